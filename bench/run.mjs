// `npm run bench`: every benchmark suite in turn (each checks its own answers), results in bench/results.json.
// `--quick` shortens each for a smoke run; `--only NAME` runs one suite.
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../dist/index.js', import.meta.url))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
const quick = process.argv.includes('--quick');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;

/** Suites, in order. Each module exports `run({ quick })`. */
const SUITES = [
  ['gd-iteration', './gd-iteration.mjs'],
  // issue 4 (performance): workers, batched runs, Gram mode, the AGN-paper configuration
  ['threads', './threads.mjs'],
  ['batch', './batch.mjs'],
  ['gram', './gram.mjs'],
  ['agn-paper', './agn-paper.mjs'],
  // structured operators: matrix completion and rank-one measurements at scale
  ['completion', './completion.mjs'],
  ['rank-one', './rank-one.mjs'],
  // the sweep engine: local threads against BullMQ on a local Redis
  ['sweep', './sweep.mjs'],
];

const t0 = performance.now();
for (const [name, file] of SUITES) {
  if (only && only !== name) continue;
  if (!existsSync(new URL(file, import.meta.url))) continue;
  const mod = await import(file);
  await mod.run({ quick });
}
console.log(`\nbench done in ${((performance.now() - t0) / 1000).toFixed(1)} s; results in bench/results.json`);
