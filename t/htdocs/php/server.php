<?php
// Prints what PHP sees of the request, so tests can check REMOTE_USER and the session variables.
header('Content-Type: application/json');
echo json_encode($_SERVER);
