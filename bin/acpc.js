#!/usr/bin/env node
// The acpc command: runs the compiled CLI from dist/ (built by `npm install` through `prepare`).
import { main } from "../dist/compiler/cli/main.js";

// Piped into `head` and the like: a reader that goes away ends the output, quietly.
for (const stream of [process.stdout, process.stderr]) stream.on("error", (e) => { if (e && e.code === "EPIPE") process.exit(process.exitCode ?? 0); else throw e; });

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => { process.stderr.write(`acpc: internal error: ${e && e.stack ? e.stack : e}\n`); process.exitCode = 70; },
);
