/**
 * Sweeps over BullMQ on Redis (docs/sweeps.md): the submitter enqueues every missing trial with its content hash as
 * the job id (enqueuing twice is harmless), any number of `matsense worker` processes run them, and the submitter —
 * or `matsense sweep collect` — writes each result into DIR/results.jsonl once. A worker that dies mid-trial loses its
 * lock and the trial runs again elsewhere; a lost Redis stops the submitter with what it has recorded kept.
 *
 * One queue per package version (`matsense-trials-VERSION`): a trial's key includes the version, and only a worker
 * of that version may produce its result. bullmq and ioredis are optional peer dependencies, loaded only here.
 */
import { hostname } from 'node:os';
import { MatsenseError, ValidationError } from '../errors.js';
import { TrialPool } from './pool.js';
import { ResultsFile } from './results.js';
import { resultLine, saveSpec, type SweepProgress, type SweepSummary } from './local.js';
import type { KeyedTrial, ResolvedKeep, SweepPlan, Trial } from './spec.js';
import type { TrialOutcome } from './trial.js';

/** Redis is unreachable or was lost. */
export class QueueError extends MatsenseError {}

/** The job's data on the queue. */
interface TrialJob { trial: Trial; keep: ResolvedKeep; version: string; index: number }
/** The job's return value. */
interface TrialReturn { outcome: TrialOutcome; ranOn: string }

/** Connection options from a redis:// URL (host, port, optional user, password and database number). */
export function parseRedisUrl(url: string): { host: string; port: number; username?: string; password?: string; db?: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ValidationError(`--queue: '${url}' is not a URL; expected redis://HOST:PORT`);
  }
  if (u.protocol !== 'redis:') throw new ValidationError(`--queue: '${url}' is not a redis:// URL (expected redis://HOST:PORT)`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbPart = u.pathname.replace(/^\//, '');
  const db = dbPart === '' ? undefined : Number(dbPart);
  if (db !== undefined && !(Number.isInteger(db) && db >= 0)) throw new ValidationError(`--queue: database '${dbPart}' in '${url}' is not a number`);
  return {
    host: u.hostname || '127.0.0.1', port,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined ? { db } : {}),
  };
}

type BullMQ = typeof import('bullmq');
async function loadBullMQ(): Promise<BullMQ> {
  try {
    return await import('bullmq');
  } catch {
    throw new ValidationError('--queue needs the optional packages bullmq and ioredis: npm install bullmq ioredis');
  }
}

export function queueName(version: string): string {
  return `matsense-trials-${version}`;
}

/** Race `p` against a timer: a clear error instead of a hang when Redis does not answer. */
async function within<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new QueueError(what())), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

export interface QueueSweepOptions {
  /** redis://HOST:PORT */
  url: string;
  /** Give up when Redis has not answered for this long (ms). Default 10 000. */
  redisTimeoutMs?: number;
  /** Enqueue the missing trials (false: only collect results already computed). Default true. */
  enqueue?: boolean;
  /** Wait until every trial has finished (false: one pass). Default true. */
  wait?: boolean;
  /** Poll period (ms). Default 250. */
  pollMs?: number;
  signal?: AbortSignal;
  onProgress?(p: SweepProgress): void;
}

/** Submit a sweep to the queue and write the results as they come back (or, with wait: false, what is there). */
export async function runSweepQueue(plan: SweepPlan, dir: string, opts: QueueSweepOptions): Promise<SweepSummary & { pending: number }> {
  const conn = parseRedisUrl(opts.url);
  const { Queue, QueueEvents } = await loadBullMQ();
  let events: InstanceType<typeof QueueEvents> | undefined;
  let redisLost = false;
  const timeout = opts.redisTimeoutMs ?? 10_000;
  const results = await ResultsFile.open(dir);
  const t0 = performance.now();
  const summary: SweepSummary & { pending: number } = {
    total: plan.trials.length, skipped: 0, done: 0, failed: 0, elapsedMs: 0, failures: [], refused: 0, aborted: false,
    droppedBytes: results.dropped, pending: 0,
  };
  let lastError = '', connError = '';
  // no offline queue: while Redis is away, calls fail at once (and are retried here) instead of piling up
  const queue = new Queue(queueName(plan.version), { connection: { ...conn, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 200 } });
  queue.on('error', (e: Error) => { connError = e.message; });
  // the connection's own error (ECONNREFUSED…) says more than a refused command's
  const why = () => connError || lastError || 'no answer';
  const lost = () => `lost Redis at ${opts.url} (${why()}) for ${timeout / 1000} s: ` +
    `${results.done.size} of ${plan.trials.length} trials are recorded in ${results.path}; rerun the same command to resume`;
  try {
    await saveSpec(plan, dir);
    try {
      await within(queue.waitUntilReady(), timeout, () => `cannot reach Redis at ${opts.url} (${why()}); start it (redis-server --port ${conn.port}) or check --queue`);
    } catch (e) {
      redisLost = true;
      throw e;
    }
    const byKey = new Map(plan.trials.map((t) => [t.key, t] as const));
    const pending = new Set(plan.trials.filter((t) => !results.done.has(t.key)).map((t) => t.key));
    summary.skipped = plan.trials.length - pending.size;
    const report = () => {
      summary.elapsedMs = performance.now() - t0;
      summary.pending = pending.size;
      const finished = summary.done;
      summary.etaMs = finished > 0 ? (summary.elapsedMs / finished) * pending.size : undefined;
      opts.onProgress?.({ ...summary });
    };
    report();
    // Redis calls that fail are retried until `timeout` has passed without one success
    let lastOk = performance.now();
    // (each call is also timed: a call on a connection that is reconnecting may otherwise never settle)
    const call = async <T>(f: () => Promise<T>): Promise<T | undefined> => {
      try {
        const r = await within(f(), Math.min(timeout, 5000), () => 'no answer');
        lastOk = performance.now();
        connError = '';
        return r;
      } catch (e) {
        lastError = (e as Error).message;
        if (performance.now() - lastOk > timeout) { redisLost = true; throw new QueueError(lost()); }
        return undefined;
      }
    };
    // Which jobs to look at: the finished ones the queue's event stream names — read from before the first enqueue —
    // and every pending one on the first pass and every 15 s (events are missed while the connection is down)
    const flagged = new Set<string>();
    events = new QueueEvents(queueName(plan.version), { connection: { ...conn, retryStrategy: () => 500 } });
    events.on('error', (e: Error) => { connError = e.message; });
    events.on('completed', ({ jobId }: { jobId: string }) => { flagged.add(jobId); });
    events.on('failed', ({ jobId }: { jobId: string }) => { flagged.add(jobId); });
    await call(() => events!.waitUntilReady());
    if (opts.enqueue !== false && pending.size > 0) {
      const todo = [...pending].map((k) => byKey.get(k)!);
      for (let i = 0; i < todo.length; i += 500) {
        const chunk = todo.slice(i, i + 500);
        for (;;) {
          const ok = await call(() => queue.addBulk(chunk.map((t) => ({
            name: 'trial',
            data: { trial: { problem: t.problem, solver: t.solver }, keep: plan.keep, version: plan.version, index: t.index } satisfies TrialJob,
            opts: { jobId: t.key, attempts: 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false },
          }))));
          if (ok !== undefined) break;
          await sleep(200);
        }
      }
    }
    const retried = new Set<string>();
    let lastFull = -Infinity;
    for (;;) {
      if (opts.signal?.aborted) { summary.aborted = true; break; }
      let progressed = false;
      const full = performance.now() - lastFull > 15_000;
      if (full) lastFull = performance.now();
      const keys = full ? [...pending] : [...flagged].filter((k) => pending.has(k));
      flagged.clear();
      for (let i = 0; i < keys.length; i += 200) {
        const chunk = keys.slice(i, i + 200);
        const jobs = await call(() => Promise.all(chunk.map((k) => queue.getJob(k))));
        if (jobs === undefined) continue;
        for (let j = 0; j < chunk.length; j++) {
          const key = chunk[j]!, job = jobs[j], t = byKey.get(key)!;
          if (!job) continue; // not enqueued (collect without enqueue): stays pending
          // completed: it has a return value (failedReason may remain from an earlier attempt); failed: finished without one
          if (job.finishedOn && job.returnvalue) {
            const ret = job.returnvalue as TrialReturn;
            await results.append(resultLine(plan, t as KeyedTrial, ret.outcome, ret.ranOn));
            if (ret.outcome.error !== undefined) summary.refused++;
            summary.done++;
            pending.delete(key);
            progressed = true;
          } else if (job.finishedOn && opts.enqueue !== false && !retried.has(key)) {
            // failed on every attempt in an earlier submission: give it another round now
            retried.add(key);
            await call(() => job.retry('failed'));
            flagged.add(key); // look again at the next pass
          } else if (job.finishedOn) {
            if (!summary.failures.some((f) => f.key === key)) {
              summary.failed++;
              summary.failures.push({ key, index: t.index, message: job.failedReason });
              progressed = true;
            }
          }
        }
      }
      if (progressed) report();
      const unfinished = [...pending].filter((k) => !summary.failures.some((f) => f.key === k)).length;
      if (opts.wait === false || unfinished === 0) break;
      if (performance.now() - lastOk > timeout) { redisLost = true; throw new QueueError(lost()); }
      await sleep(opts.pollMs ?? 250);
    }
    summary.pending = pending.size;
    summary.elapsedMs = performance.now() - t0;
    return summary;
  } finally {
    // Redis gone: cut the connections at once (a graceful close would wait on them); else close both gracefully
    await Promise.all([events, queue].filter((q) => q !== undefined).map((q) => shut(q!, redisLost)));
    await results.close();
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Close a queue or worker; when Redis is gone a graceful close never completes (it waits on the connection), so
 * after 2 s the connections are cut instead — otherwise the process would live on, reconnecting forever.
 */
async function shut(q: { close(): Promise<void>; disconnect(): Promise<void>; on(ev: 'error', f: (e: Error) => void): unknown }, gone = false): Promise<void> {
  q.on('error', () => {}); // reconnection errors while closing are expected
  if (gone) { void q.disconnect().catch(() => {}); return; } // nothing to wait for: Redis is not there to answer
  try {
    await within(q.close(), 2000, () => 'close timed out');
  } catch {
    await within(q.disconnect(), 2000, () => 'disconnect timed out').catch(() => {});
  }
}

export interface QueueWorkerOptions {
  url: string;
  /** Trials at a time (worker threads). Default 1. */
  concurrency?: number;
  /**
   * How long a trial's lock lives without renewal (ms): a worker that dies mid-trial gives its trial back after about
   * this long. Default 30 000.
   */
  lockMs?: number;
  signal?: AbortSignal;
  /** A line of news (started, a trial finished, Redis lost or back). */
  log?(line: string): void;
}

/** Process trials from the queue until the signal aborts; resolves with the number of trials run. */
export async function runQueueWorker(version: string, opts: QueueWorkerOptions): Promise<number> {
  const conn = parseRedisUrl(opts.url);
  const { Worker } = await loadBullMQ();
  const concurrency = opts.concurrency ?? 1;
  const pool = await TrialPool.start(concurrency);
  const ranOn = `${hostname()}:${process.pid}`;
  const log = opts.log ?? (() => {});
  let count = 0, down = false;
  const lockMs = opts.lockMs ?? 30_000;
  const worker = new Worker(queueName(version), async (job) => {
    const data = job.data as TrialJob;
    if (down) { log(`Redis at ${opts.url} is back`); down = false; }
    if (data.version !== version) throw new ValidationError(`trial of matsense ${data.version} on a ${version} worker`);
    log(`started trial ${job.id} (#${data.index})`);
    const outcome = await pool.run(data.trial, data.keep);
    count++;
    log(`finished trial ${job.id} (#${data.index}): ${outcome.error !== undefined ? `refused: ${outcome.error}` : `${outcome.result.stopReason} after ${outcome.result.iterations} iterations`}`);
    return { outcome, ranOn } satisfies TrialReturn;
  }, {
    connection: { ...conn, maxRetriesPerRequest: null },
    concurrency, lockDuration: lockMs, stalledInterval: Math.max(500, Math.floor(lockMs / 2)), maxStalledCount: 10,
    // after a lost connection BullMQ waits this long before its fetch loop tries again (default 15 s): a worker should
    // be back at work within a couple of seconds of Redis
    runRetryDelay: 2000,
    autorun: false,
  });
  worker.on('error', (e: Error) => {
    if (!down) log(`lost Redis at ${opts.url} (${e.message}); retrying until it is back`);
    down = true;
  });
  const stop = new Promise<void>((resolve) => {
    if (opts.signal?.aborted) resolve();
    opts.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  try {
    await within(worker.waitUntilReady(), 10_000, () => `cannot reach Redis at ${opts.url}; start it (redis-server --port ${conn.port}) or check --queue`);
    log(`worker ${ranOn}: matsense ${version}, ${concurrency} trial${concurrency === 1 ? '' : 's'} at a time, queue ${queueName(version)} at ${opts.url}`);
    void worker.run();
    await stop;
    return count;
  } finally {
    await shut(worker);
    await pool.close();
  }
}
