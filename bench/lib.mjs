// Shared helpers of the benchmark suites: tinybench runs, numpy availability, machine description, result file.
import { Bench } from 'tinybench';
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { time as coreTime, timeRounds as coreTimeRounds } from './browser/gd-iteration-core.js';

/** Run tasks with tinybench; returns { name: { medianMs, meanMs, minMs, samples } }. */
export const time = (tasks, opts) => coreTime(Bench, tasks, opts);

/** `time` in rotated rounds, keeping each task's best median (see bench/browser/gd-iteration-core.js). */
export const timeRounds = (tasks, opts) => coreTimeRounds(Bench, tasks, opts);

/** python3 with numpy, or null (the numpy columns are then skipped, saying so). */
export function numpyVersion() {
  freeMemory();
  const r = spawnSync('python3', ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
  if (r.error) console.warn(`bench: could not start python3 (${r.error.message})`);
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Collect garbage now (node's gc exposed at run time): the wasm memories of earlier suites are otherwise still
 * mapped, and forking python from a process holding several GB fails with ENOMEM under heuristic overcommit.
 */
export function freeMemory() {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    gc(); gc();
  } catch { /* best effort */ }
}

/**
 * Run a python script of bench/ and parse its last JSON line. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which these
 * machines export and which slow a current numpy, are unset for that command only; `extraEnv` adds variables.
 */
export function runPython(script, args = [], extraEnv = {}) {
  freeMemory();
  const env = { ...process.env, PYTHONWARNINGS: 'ignore', ...extraEnv };
  delete env.OPENBLAS_CORETYPE; delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('python3', [new URL(script, import.meta.url).pathname, ...args.map(String)], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.error?.message ?? r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

export function machine() {
  const c = cpus();
  return { cpu: c[0]?.model ?? 'unknown', cores: c.length, memGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${process.platform}-${process.arch}` };
}

const RESULTS = new URL('./results.json', import.meta.url);

/** Merge one suite's results into bench/results.json. */
export function saveResults(suite, data) {
  const all = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
  all.machine = machine();
  all.date = new Date().toISOString();
  all[suite] = { ...data, loadavg: loadavg().map((x) => +x.toFixed(2)) };
  writeFileSync(RESULTS, JSON.stringify(all, null, 2) + '\n');
}

export const fmt = (v, d = 2) => (v === undefined || v === null || Number.isNaN(v) ? '—' : Number(v).toFixed(d));

/**
 * One read of the operator's bytes split over its placement's threads the way the fused pass splits them (each
 * thread sums its own row block): the memory-bandwidth bound of a threaded GD iteration.
 */
export async function parallelStreamMs(rt, op, tOpts) {
  const read = () => { if (!Number.isFinite(op.readOnce())) throw new Error('nan'); };
  const t = await time({ read }, tOpts);
  return t.read.medianMs;
}
