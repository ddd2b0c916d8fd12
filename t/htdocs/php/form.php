<?php
// A page of a plain PHP app (t/15_plain_*.t): who is signed in, what a form POST carried, a
// form that posts to this page, and the sign-out form of the README.
header('Content-Type: text/html; charset=utf-8');
function h($s) { return htmlspecialchars((string)$s, ENT_QUOTES, 'UTF-8'); }
?><!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Plain app</title></head><body>
<h1>Plain app</h1>
<p>Signed in as <span id="user"><?= h($_SERVER['REMOTE_USER'] ?? '') ?></span>
(user id <span id="uid"><?= h($_SERVER['SUPERTOKENS_USER_ID'] ?? '') ?></span>)</p>
<p>Method <span id="method"><?= h($_SERVER['REQUEST_METHOD']) ?></span></p>
<pre id="post"><?= h(json_encode($_POST, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES)) ?></pre>
<form id="note" method="post" action="">
<label>Title <input name="title" id="title"></label>
<label>Body <textarea name="body" id="body"></textarea></label>
<button id="save">Save</button>
</form>
<form method="post" action="/auth/signout?redirectToPath=/public/index.html"><button id="signout">Sign out</button></form>
</body></html>
