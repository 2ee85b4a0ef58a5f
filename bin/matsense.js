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

// Exit once the command is done and its output flushed: a client of a Redis that went away (sweep --queue) keeps
// reconnecting on timers that would hold the process open for seconds after the command has returned.
const exit = (code) => process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
main(process.argv.slice(2)).then(
  (code) => exit(code),
  (e) => { console.error(e); exit(1); },
);
