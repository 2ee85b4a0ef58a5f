/**
 * Workers driven by messages, for platforms without SharedArrayBuffer (a browser page that is not cross-origin
 * isolated). Each worker owns its rows of the operator in its own wasm memory (as in 'private' mode) and answers one
 * request message per command with a transferred result array. Everything is asynchronous, so a pool works on a
 * page's main thread too. In Node a worker holds the process only while one of its replies is awaited.
 */
import { StateError } from '../errors.js';
import { startWorkers, WorkerError, type WorkerHandle, type WorkerInit } from './pool.js';

/** One command for a worker (see serveMessages in source.ts). */
export interface MessageRequest {
  op: number;
  /** Arithmetic: 0 f64, 1 mixed, 2 f32. */
  prec?: number;
  /** Input vectors (copied into the request). */
  x?: Float64Array;
  b?: Float64Array;
  r?: Float64Array;
  /** Generation: the worker's first global row and [scale, seedHi, seedLo, stream, symmetric n]. */
  row0?: number;
  gen?: number[];
}

interface Pending { resolve(a: Float64Array): void; reject(e: Error): void; worker: number }

export class MessagePool {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly inFlight: number[];
  private closed = false;
  private exits = 0;
  private readonly gone: boolean[];

  private constructor(private readonly handles: WorkerHandle[]) {
    this.inFlight = handles.map(() => 0);
    this.gone = handles.map(() => false);
    handles.forEach((h, i) => {
      h.listen((m) => this.onMessage(m as { type: string; seq?: number; data?: Float64Array; message?: string }));
      void h.exited.then(() => {
        this.exits++;
        this.gone[i] = true;
        for (const [seq, p] of this.pending) {
          if (p.worker !== i) continue;
          this.pending.delete(seq);
          p.reject(new WorkerError(this.closed ? 'the worker pool was closed during a pass' : `worker ${i} exited during a pass`));
        }
      });
    });
  }

  /** Start `count` message-mode workers; worker i gets `init(i)` (mode 'message'). */
  static async start(count: number, init: (i: number) => Omit<WorkerInit, 'mode'>): Promise<MessagePool> {
    return new MessagePool(await startWorkers(count, (i) => ({ ...init(i), mode: 'message' })));
  }

  get size(): number { return this.handles.length; }
  get isClosed(): boolean { return this.closed; }
  /** How many workers have exited (all of them after `close()` resolves). */
  get exitedCount(): number { return this.exits; }

  /** Send worker i a command; resolves with its exchange array (layout: see serveMessages in source.ts). */
  request(i: number, q: MessageRequest): Promise<Float64Array> {
    if (this.closed) return Promise.reject(new StateError('this worker pool has been closed'));
    if (this.gone[i]) return Promise.reject(new WorkerError(`worker ${i} has exited (it crashed or was terminated); create the operator again`));
    const seq = ++this.seq;
    return new Promise<Float64Array>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject, worker: i });
      if (this.inFlight[i]++ === 0) this.handles[i].hold(true);
      this.handles[i].worker.postMessage({ ...q, seq });
    });
  }

  private onMessage(m: { type: string; seq?: number; data?: Float64Array; message?: string }): void {
    const p = m.seq === undefined ? undefined : this.pending.get(m.seq);
    if (!p) {
      // an error event without a request id (browser onerror): fail everything in flight
      if (m.type === 'failed') for (const [seq, q] of this.pending) { this.pending.delete(seq); this.release(q.worker); q.reject(new WorkerError(m.message ?? 'a worker failed')); }
      return;
    }
    this.pending.delete(m.seq!);
    this.release(p.worker);
    if (m.type === 'done' && m.data) p.resolve(m.data);
    else p.reject(new WorkerError(m.message ?? 'a worker failed'));
  }

  private release(i: number): void {
    if (--this.inFlight[i] === 0 && !this.closed) this.handles[i].hold(false);
  }

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
