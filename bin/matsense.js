#!/usr/bin/env node
// The `matsense` command: a shim over the compiled CLI (src/cli/main.ts → dist/cli/main.js).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => { console.error(e); process.exitCode = 1; },
);
