// Shared helpers of the benchmark suites: tinybench runs, numpy availability, machine description, result file.
import { Bench } from 'tinybench';
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { OP } from '../dist/workers/source.js';
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

/** Run a python script of bench/ and parse its last JSON line. */
export function runPython(script, args = []) {
  freeMemory();
  const r = spawnSync('python3', [new URL(script, import.meta.url).pathname, ...args.map(String)], { encoding: 'utf8', env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
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
  all[suite] = data;
  writeFileSync(RESULTS, JSON.stringify(all, null, 2) + '\n');
}

export const fmt = (v, d = 2) => (v === undefined || v === null || Number.isNaN(v) ? '—' : Number(v).toFixed(d));

/**
 * One read of the operator's bytes split over the pool's threads the way the fused pass splits them (each thread
 * sums its own row block): the memory-bandwidth bound of a threaded GD iteration.
 */
export async function parallelStreamMs(rt, op, tOpts) {
  const K = rt.kernels, N = op.N, rowBytes = N * 4, A = op.A.ptr;
  const call = (t) => { const [r0, r1] = op.blocks[t]; return [A + r0 * rowBytes, (r1 - r0) * N]; };
  const read = () => {
    for (let t = 1; t < op.threads; t++) op.pool.setCall(t - 1, 'stream_sum_f32', call(t));
    op.pool.run(OP.CALL, () => { const c = call(0); if (!Number.isFinite(K.stream_sum_f32(c[0], c[1]))) throw new Error('nan'); });
  };
  const t = await time({ read }, tOpts);
  return t.read.medianMs;
}
