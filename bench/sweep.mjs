// Sweep engine: 200 small trials on local worker threads (2) against the same sweep through BullMQ on a local Redis
// with two `matsense worker` processes (1 trial at a time each) — interleaved A B A B, each run into a fresh folder
// and a fresh Redis. Queue overhead per trial = (queue wall − local wall) × workers / trials: the time each worker
// spends per trial on top of the trial itself (enqueue, fetch, lock, return value, the submitter's polling).
// Needs redis-server and the optional bullmq + ioredis packages; skipped with a line without them.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { saveResults, fmt } from './lib.mjs';

const BIN = new URL('../bin/matsense.js', import.meta.url).pathname;
const freePort = () => new Promise((res) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cli(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`matsense ${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
  return performance.now() - t0;
}

async function queued(spec, dir) {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await sleep(300);
  const url = `redis://127.0.0.1:${port}`;
  const workers = [0, 1].map(() => spawn(process.execPath, [BIN, 'worker', '--queue', url], { stdio: 'ignore' }));
  await sleep(1500); // the workers connect and compile their kernels before the clock starts
  try {
    return cli(['sweep', 'run', spec, '--out', dir, '--queue', url]);
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    redis.kill('SIGKILL');
  }
}

export async function run({ quick = false } = {}) {
  if (spawnSync('redis-server', ['--version']).status !== 0) { console.log('sweep bench: skipped (no redis-server)'); return; }
  try { await import('bullmq'); } catch { console.log('sweep bench: skipped (bullmq is not installed)'); return; }
  const tmp = mkdtempSync(join(tmpdir(), 'matsense-sweep-bench-'));
  const trials = quick ? 40 : 200;
  const spec = join(tmp, 'spec.json');
  writeFileSync(spec, JSON.stringify({
    name: 'bench', problem: { n1: 12, r: 2, m: 100, seed: Array.from({ length: trials }, (_, i) => i) },
    solver: { k: 4, alpha: 1e-3, maxIter: 200, tol: 0 },
  }));
  const rounds = quick ? 1 : 3;
  const local = [], queue = [];
  for (let i = 0; i < rounds; i++) {
    local.push(cli(['sweep', 'run', spec, '--out', join(tmp, `local-${i}`), '--threads', '2']));
    queue.push(await queued(spec, join(tmp, `queue-${i}`)));
  }
  const same = (i) => readFileSync(join(tmp, `local-${i}`, 'results.jsonl'), 'utf8').split('\n').length === readFileSync(join(tmp, `queue-${i}`, 'results.jsonl'), 'utf8').split('\n').length;
  if (!same(0)) throw new Error('sweep bench: the queued run did not record every trial');
  const best = (xs) => Math.min(...xs);
  const overhead = ((best(queue) - best(local)) * 2) / trials;
  console.log(`\nsweep: ${trials} trials (12 × 12, rank 2, k = 4, 200 iterations each), best of ${rounds}, load ${loadavg()[0].toFixed(2)}`);
  console.log(`  local, 2 threads           ${fmt(best(local) / 1000, 2)} s  (runs: ${local.map((x) => fmt(x / 1000, 2)).join(', ')})`);
  console.log(`  Redis, 2 worker processes  ${fmt(best(queue) / 1000, 2)} s  (runs: ${queue.map((x) => fmt(x / 1000, 2)).join(', ')})`);
  console.log(`  queue overhead per trial   ${fmt(overhead, 2)} ms per worker (the wall times include each command's start, ~0.3 s)`);
  saveResults('sweep', { trials, rounds, localMs: local, queueMs: queue, overheadMsPerTrial: overhead });
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
