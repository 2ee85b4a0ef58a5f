// Sweeps through BullMQ on a real Redis (Debian's redis-server, started here on a loopback port): two worker
// processes, one killed mid-trial; the submitter killed and resumed; Redis stopped mid-sweep and restarted. Every
// trial's result must appear exactly once and equal the local run's. Without redis-server these tests skip (the
// global set-up says so), unless MATSENSE_REQUIRE_REDIS=1 (CI).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main, StringStream } from '../../src/cli/main.js';
import { comparable, ensureDist, results, startCli, waitFor, writeSpec, type Proc } from './helpers.js';

const REDIS = process.env.MATSENSE_REDIS_SERVER ?? 'redis-server';
const HAVE_REDIS = spawnSync(REDIS, ['--version']).status === 0;
const SKIP = !HAVE_REDIS && process.env.MATSENSE_REQUIRE_REDIS !== '1';

/** About 0.6 s per trial on the 2-core machine. */
const SLOW = { name: 'queued', problem: { n1: 40, r: 2, m: 1200, seed: [0, 1, 2, 3, 4, 5] }, solver: { k: 8, alpha: 1e-3, maxIter: 800, tol: 0 } };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

/** A throw-away redis-server on a loopback port: nothing saved to disk. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += String(d); });
  await waitFor(`redis-server on port ${port}`, () => /Ready to accept connections/.test(out) || child.exitCode !== null, 10_000);
  if (child.exitCode !== null) throw new Error(`redis-server did not start: ${out}`);
  return child;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new StringStream(), err = new StringStream();
  const code = await main(args, { stdout: out, stderr: err });
  return { code, out: out.text, err: err.text };
}

const started = (p: Proc) => [...p.out().matchAll(/started trial (t[0-9a-f]{32})/g)].map((m) => m[1]!);
const finished = (p: Proc) => [...p.out().matchAll(/finished trial (t[0-9a-f]{32})/g)].map((m) => m[1]!);

describe.skipIf(SKIP)('matsense sweep --queue (BullMQ on a real Redis)', { timeout: 120_000 }, () => {
  let tmp: string, spec: string, local: Map<string, unknown>;
  const procs: Proc[] = [];
  let redis: ChildProcess | undefined;
  let port = 0;
  const url = () => `redis://127.0.0.1:${port}`;
  const worker = (lockMs = 1000) => { const p = startCli(['worker', '--queue', url(), '--lock-ms', String(lockMs)]); procs.push(p); return p; };

  beforeAll(async () => {
    if (!HAVE_REDIS) throw new Error(`these tests need ${REDIS} (apt-get install -y redis-server; CI requires them with MATSENSE_REQUIRE_REDIS=1)`);
    ensureDist();
    tmp = mkdtempSync(join(tmpdir(), 'matsense-queue-'));
    spec = writeSpec(join(tmp, 'spec.json'), SLOW);
    // the reference: the same sweep on local threads
    const r = await cli(['sweep', 'run', spec, '--out', join(tmp, 'local'), '--threads', '2']);
    expect(r.code).toBe(0);
    local = new Map(results(join(tmp, 'local')).map((l) => [l.key, comparable(l)]));
  });

  beforeEach(async () => {
    port = await freePort();
    redis = await startRedis(port);
  });

  afterEach(async () => {
    for (const p of procs.splice(0)) { p.child.kill('SIGKILL'); await p.exited; }
    redis?.kill('SIGKILL');
  });

  afterAll(() => { redis?.kill('SIGKILL'); });

  function expectAllOnce(dir: string): void {
    const lines = results(dir);
    expect(lines.map((l) => l.key).sort()).toEqual([...local.keys()].sort());
    for (const l of lines) expect(comparable(l)).toEqual(local.get(l.key));
    expect(readFileSync(join(dir, 'results.jsonl'), 'utf8').split('\n').filter(Boolean)).toHaveLength(lines.length);
  }

  it('two worker processes, one killed mid-trial: its trial runs again on the other, every result once and equal to the local run', async () => {
    const dir = join(tmp, 'two-workers');
    const submit = startCli(['sweep', 'run', spec, '--out', dir, '--queue', url()]);
    procs.push(submit);
    const a = worker(), b = worker();
    // a has finished one trial and started the next: kill it mid-trial
    await waitFor('worker a mid-trial', () => finished(a).length >= 1 && started(a).length > finished(a).length);
    const lostTrial = started(a).at(-1)!;
    a.child.kill('SIGKILL');
    expect(await submit.exited).toBe(0);
    expect(submit.out()).toMatch(/finished: 6 trials run/);
    expect(finished(b)).toContain(lostTrial); // the dead worker's lock expired, and b ran its trial
    expectAllOnce(dir);
    expect(results(dir).find((l) => l.key === lostTrial)!.ranOn).toMatch(new RegExp(`:${b.child.pid}$`));
  });

  it('the submitter killed and run again: enqueuing twice is harmless, and every result is recorded once', async () => {
    const dir = join(tmp, 'resume');
    const first = startCli(['sweep', 'run', spec, '--out', dir, '--queue', url()]);
    worker();
    await waitFor('two results', () => results(dir).length >= 2);
    first.child.kill('SIGKILL');
    await first.exited;
    const again = await cli(['sweep', 'run', spec, '--out', dir, '--queue', url()]);
    expect(again.err).toBe('');
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/finished: \d trials? run in .*, [2-6] already done/);
    expectAllOnce(dir);
    // collect with nothing new to collect is a no-op
    const collect = await cli(['sweep', 'collect', dir, '--queue', url()]);
    expect(collect.code).toBe(0);
    expect(collect.out).toMatch(/finished: 0 trials run in .*, 6 already done/);
  });

  it('Redis stopped mid-sweep: the submitter stops with a clear error, keeps what it recorded, and a rerun resumes', async () => {
    const dir = join(tmp, 'redis-lost');
    const submit = startCli(['sweep', 'run', spec, '--out', dir, '--queue', url(), '--redis-timeout', '2']);
    procs.push(submit);
    const w = worker();
    await waitFor('a result', () => results(dir).length >= 1);
    const killedAt = Date.now();
    redis!.kill('SIGKILL');
    expect(await submit.exited).toBe(1);
    // it gives up after --redis-timeout and exits, not held open by clients reconnecting (10.9 s before the fix)
    expect(Date.now() - killedAt).toBeLessThan(7000);
    expect(submit.out()).toMatch(/lost Redis at redis:\/\/127\.0\.0\.1:\d+ .* for 2 s: \d of 6 trials are recorded in .*results\.jsonl; rerun the same command to resume/);
    const kept = results(dir).length;
    expect(kept).toBeGreaterThanOrEqual(1);
    await waitFor('the worker to notice', () => /lost Redis/.test(w.out()));
    // a new, empty Redis on the same port: the worker reconnects, the rerun enqueues what is missing
    redis = await startRedis(port);
    const again = await cli(['sweep', 'run', spec, '--out', dir, '--queue', url()]);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(new RegExp(`finished: ${6 - kept} trials? run in .*, ${kept} already done`));
    expectAllOnce(dir);
  });

  it('a worker stopped with SIGTERM (or Ctrl-C) finishes its running trial, then exits 130', async () => {
    const dir = join(tmp, 'sigterm');
    const submit = startCli(['sweep', 'run', spec, '--out', dir, '--queue', url()]);
    procs.push(submit);
    const w = worker();
    await waitFor('a trial under way', () => started(w).length > finished(w).length);
    const running = started(w).at(-1)!;
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(130);
    expect(finished(w)).toContain(running); // not abandoned: finished and returned before the exit
    expect(w.out()).toMatch(/worker: stopping after the running trials…[\s\S]*worker: ran \d+ trials?/);
    await waitFor('its result recorded', () => results(dir).some((l) => l.key === running));
  });

  it('an unreachable Redis is a clear error, fast, and writes nothing', async () => {
    const dead = await freePort();
    const t0 = Date.now();
    const r = await cli(['sweep', 'run', spec, '--out', join(tmp, 'unreachable'), '--queue', `redis://127.0.0.1:${dead}`, '--redis-timeout', '1']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`cannot reach Redis at redis://127.0.0.1:${dead} \\(.*ECONNREFUSED.*\\); start it`));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(results(join(tmp, 'unreachable'))).toEqual([]);
    expect((await cli(['sweep', 'run', spec, '--queue', 'http://x'])).err).toMatch(/is not a redis:\/\/ URL/);
    expect((await cli(['worker'])).code).toBe(2);
  });
});
