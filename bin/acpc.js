#!/usr/bin/env node
// The acpc command: runs the compiled CLI from dist/ (built by `npm install` through `prepare`).
import { main } from "../dist/compiler/cli/main.js";

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => { process.stderr.write(`acpc: internal error: ${e && e.stack ? e.stack : e}\n`); process.exitCode = 70; },
);
