#!/usr/bin/env node
// t/prebuilt/build.js OUTFILE: bundles app.jsx (React, supertokens-auth-react, supertokens-web-js
// from this folder's node_modules) into OUTFILE with esbuild, for site/index.html's /app.js.
// Offline: everything comes from node_modules.
"use strict";
const fs = require("fs");
const path = require("path");
const esbuild = require("esbuild");

const out = process.argv[2];
if (!out) { process.stderr.write("usage: build.js OUTFILE\n"); process.exit(2); }
fs.mkdirSync(path.dirname(out), { recursive: true });
esbuild.buildSync({
    entryPoints: [path.join(__dirname, "app.jsx")],
    bundle: true,
    outfile: out,
    jsx: "automatic",
    define: { "process.env.NODE_ENV": '"production"' },
    minify: true,
    logLevel: "error",
});
