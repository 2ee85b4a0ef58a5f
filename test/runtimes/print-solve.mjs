// `node|deno run --allow-read|bun test/runtimes/print-solve.mjs`: print test/runtimes/solve.mjs's result as JSON.
import { run } from './solve.mjs';

console.log(JSON.stringify(await run()));
