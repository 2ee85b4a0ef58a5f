#!/usr/bin/env node
// The `matsense` command: a shim over the compiled CLI (src/cli/main.ts → dist/cli/main.js).
import { main } from '../dist/cli/main.js';

// A closed pipe (`matsense solve … | head`) ends the program quietly: nothing more can be shown to anyone.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => { console.error(e); process.exitCode = 1; },
);
