/**
 * Workers driven by messages, for platforms without SharedArrayBuffer (a browser page that is not cross-origin
 * isolated) and for a page's main thread (which may not block): each worker owns its rows in its own wasm memory
 * and answers one request per job with a transferred result array. Everything is asynchronous. In Node a worker
 * holds the process only while one of its replies is awaited. A worker that exits fails its pending requests and
 * every later one with a WorkerError.
 */
import { StateError, WorkerError } from '../errors.js';
import type { FromWorker, MessageJob, WorkerInit } from './protocol.js';
import { startWorkers, type WorkerHandle, type WorkerScript } from './spawn.js';

interface Pending { resolve(a: Float64Array): void; reject(e: Error): void; worker: number }

export class MessagePool {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly inFlight: number[];
  private closed = false;

  private constructor(private readonly handles: WorkerHandle[]) {
    this.inFlight = handles.map(() => 0);
    handles.forEach((h, i) => {
      h.listen((m) => this.onMessage(m, i));
      void h.exited.then(() => this.failWorker(i, this.closed ? 'the worker pool was closed during a pass' : `worker ${i} exited during a pass (it crashed or was terminated)`));
    });
  }

  /** Start `count` message-mode workers; worker i gets `init(i)`. */
  static async start(count: number, init: (i: number) => Omit<WorkerInit, 'mode' | 'id'>, script?: WorkerScript): Promise<MessagePool> {
    return new MessagePool(await startWorkers(count, (i) => ({ ...init(i), mode: 'message', id: i }), script));
  }

  get size(): number { return this.handles.length; }
  get isClosed(): boolean { return this.closed; }
  /** How many workers have exited (all of them after `close()` resolves). */
  get exitedCount(): number { return this.handles.filter((h) => h.hasExited).length; }

  /** Send worker i a job; resolves with its reply array (per-row outputs, then the partial output). */
  request(i: number, job: Omit<MessageJob, 'type' | 'seq'>): Promise<Float64Array> {
    if (this.closed) return Promise.reject(new StateError('this worker pool has been closed'));
    if (this.handles[i].hasExited) return Promise.reject(new WorkerError(`worker ${i} has exited (it crashed or was terminated); create the operator again`));
    const seq = ++this.seq;
    return new Promise<Float64Array>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject, worker: i });
      if (this.inFlight[i]++ === 0) this.handles[i].hold(true);
      this.handles[i].worker.postMessage({ ...job, type: 'job', seq } satisfies MessageJob);
    });
  }

  private onMessage(m: FromWorker, worker: number): void {
    if (m.type !== 'done' && m.type !== 'failed') return;
    const p = this.pending.get(m.seq);
    if (!p) {
      // an error event without a request id (a browser onerror): fail what this worker has in flight
      if (m.type === 'failed') this.failWorker(worker, m.message ?? 'a worker failed');
      return;
    }
    this.pending.delete(m.seq);
    this.release(p.worker);
    if (m.type === 'done' && m.data) p.resolve(m.data);
    else p.reject(new WorkerError(m.message ?? 'a worker failed'));
  }

  private failWorker(i: number, why: string): void {
    for (const [seq, p] of this.pending) {
      if (p.worker !== i) continue;
      this.pending.delete(seq);
      this.release(i);
      p.reject(new WorkerError(why));
    }
  }

  private release(i: number): void {
    if (--this.inFlight[i] === 0 && !this.closed) this.handles[i].hold(false);
  }

  /** Fault injection for tests: terminate worker i as if it had crashed. */
  injectDeath(i: number): void { void this.handles[i].worker.terminate(); }

  /** Stop the workers (terminate). Requests in flight reject with a WorkerError. Idempotent. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.handles) void h.worker.terminate();
  }

  /** Stop the workers and wait until every one has exited. */
  async close(): Promise<void> {
    this.dispose();
    await Promise.all(this.handles.map((h) => h.exited));
  }
}
