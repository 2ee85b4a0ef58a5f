/**
 * A pool of workers driven through an Atomics barrier (engineering.md: barrier round trip ~20–40 µs).
 * Workers are started once (per operator), instantiate the kernels, then block in a command loop; the caller
 * writes arguments into a shared block, bumps the generation counter and waits (Atomics.wait) until every worker has
 * counted itself done. Because the caller blocks, a pool is usable from Node's main thread and from inside a Web
 * Worker, but not from a browser page's main thread (Atomics.wait is forbidden there): run the solver in a worker.
 *
 * Workers are `unref()`ed in Node, so a pool that is never closed does not keep the process alive; `close()` ends
 * them (QUIT command, then `terminate()`), and `dispose()` is the synchronous form.
 */
import { MatsenseError, StateError, ValidationError } from '../errors.js';
import { KERNEL_NAMES } from '../kernels/api.js';
import { isNode } from '../kernels/load.js';
import { COMMON_SLOTS, CTRL, ERR_BYTES, OP, WORKER_SLOTS, WORKER_SOURCE } from './source.js';

/** A worker failed (its kernel threw, or it could not start). */
export class WorkerError extends MatsenseError {}

/** What a worker is told at start-up (besides the control blocks). */
export interface WorkerInit {
  /** 'message': private memory, commands and vectors by message (no SharedArrayBuffer needed). */
  mode: 'shared' | 'private' | 'message';
  module: WebAssembly.Module;
  /** Shared mode: the shared memory every worker instantiates on. */
  memory?: WebAssembly.Memory;
  /** Private mode: this worker's rows, the row length, and the largest batch it must serve. */
  rows?: number;
  N?: number;
  maxBatch?: number;
  /** Private mode: initial row data (f32 bytes), copied into the worker's memory. */
  data?: ArrayBuffer;
  /** Private mode: the exchange block (plain SharedArrayBuffer). */
  xchg?: SharedArrayBuffer;
  /** Shared and private modes: the control, argument and error blocks (SharedArrayBuffers). */
  ctrl?: SharedArrayBuffer;
  args?: SharedArrayBuffer;
  err?: SharedArrayBuffer;
  /** Kernel names by index (for the CALL command). */
  names?: readonly string[];
}

/** A started worker: post to it, listen to it, let it hold the process (Node) or not, wait for its exit. */
export interface WorkerHandle {
  worker: AnyWorker;
  ready: Promise<void>;
  exited: Promise<void>;
  /** Messages after 'ready'. */
  listen(cb: (m: unknown) => void): void;
  /** Node: keep the process alive while true (a reply is awaited); workers start unref'ed once ready. */
  hold(on: boolean): void;
}

/**
 * Start `count` workers and send worker i `init(i)` (its `data` buffer is transferred); resolves once all are ready.
 * On failure every started worker is terminated and a WorkerError is thrown.
 */
export async function startWorkers(count: number, init: (i: number) => WorkerInit): Promise<WorkerHandle[]> {
  const handles: WorkerHandle[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const h = await spawnWorker();
      handles.push(h);
      const it = init(i);
      h.worker.postMessage({ ...it, id: i }, it.data ? [it.data] : []);
    }
    await Promise.all(handles.map((h) => h.ready));
  } catch (e) {
    for (const h of handles) void h.worker.terminate();
    throw e instanceof MatsenseError ? e : new WorkerError(`a worker failed to start: ${(e as Error).message}`);
  }
  return handles;
}

export interface AnyWorker {
  terminate(): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  postMessage(m: unknown, transfer?: any[]): void;
}

/** Number of hardware threads (Node: availableParallelism; browsers: navigator.hardwareConcurrency). */
export async function hardwareThreads(): Promise<number> {
  if (isNode()) {
    const osSpec = 'node:os'; // non-literal: browser bundlers must not try to resolve a Node built-in (Node-only branch)
    const os = (await import(/* @vite-ignore */ osSpec)) as typeof import('node:os');
    return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, n ?? 1);
}

/** Resolve `threads: number | 'auto'` to a count ≥ 1 ('auto' = the hardware threads, at most 16). */
export async function resolveThreads(threads: number | 'auto' | undefined): Promise<number> {
  if (threads === undefined || threads === 'auto') return Math.min(16, await hardwareThreads());
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new ValidationError(`threads must be an integer in [1, 256] or 'auto', got ${String(threads)}`);
  return threads;
}

export class WorkerPool {
  readonly ctrl: Int32Array;
  /** Argument block: COMMON_SLOTS common slots, then WORKER_SLOTS per worker (slot 31 = the worker's result). */
  readonly args: Float64Array;
  private readonly errBytes: Uint8Array;
  private closed = false;
  private exited: Promise<void>[] = [];

  private constructor(private readonly workers: AnyWorker[], ctrl: SharedArrayBuffer, args: SharedArrayBuffer, err: SharedArrayBuffer, exited: Promise<void>[], private readonly counter: { exits: number }) {
    this.ctrl = new Int32Array(ctrl);
    this.args = new Float64Array(args);
    this.errBytes = new Uint8Array(err);
    this.exited = exited;
  }

  /** Start `count` workers, each initialized with `init(i)`; resolves once all have instantiated the kernels. */
  static async start(count: number, init: (i: number) => WorkerInit): Promise<WorkerPool> {
    if (typeof SharedArrayBuffer === 'undefined') throw new ValidationError('workers need SharedArrayBuffer (in browsers: a cross-origin-isolated page)');
    const ctrl = new SharedArrayBuffer(64);
    const args = new SharedArrayBuffer((COMMON_SLOTS + WORKER_SLOTS * Math.max(count, 1)) * 8);
    const err = new SharedArrayBuffer(ERR_BYTES);
    const counter = { exits: 0 };
    const names = KERNEL_NAMES.slice();
    const handles = await startWorkers(count, (i) => ({ ...init(i), ctrl, args, err, names }));
    const workers = handles.map((h) => h.worker);
    const exited = handles.map((h) => h.exited.then(() => { counter.exits++; }));
    return new WorkerPool(workers, ctrl, args, err, exited, counter);
  }

  /** Number of workers. */
  get size(): number { return this.workers.length; }
  /** True once closed. */
  get isClosed(): boolean { return this.closed; }
  /** How many workers have exited (all of them after `close()` resolves). */
  get exitedCount(): number { return this.counter.exits; }

  /** Base index of worker `i`'s argument slots. */
  slot(i: number): number { return COMMON_SLOTS + i * WORKER_SLOTS; }
  /** Worker `i`'s result slot. */
  result(i: number): number { return this.args[this.slot(i) + 31]; }

  /** Set worker i's command to a kernel call (shared mode). */
  setCall(i: number, name: string, callArgs: number[]): void {
    const b = this.slot(i), idx = KERNEL_NAMES.indexOf(name as never);
    if (idx < 0) throw new ValidationError(`unknown kernel ${name}`);
    if (callArgs.length > 16) throw new ValidationError('at most 16 kernel arguments');
    this.args[b] = idx; this.args[b + 1] = callArgs.length;
    for (let j = 0; j < callArgs.length; j++) this.args[b + 2 + j] = callArgs[j];
  }

  /**
   * Run one command on every worker: release them, run `meanwhile` on the calling thread (its own share of the
   * work), then block until all are done. Throws a WorkerError if a worker failed.
   */
  run(op: number, meanwhile?: () => void): void {
    if (this.closed) throw new StateError('this worker pool has been closed');
    const c = this.ctrl, n = this.workers.length;
    Atomics.store(c, CTRL.DONE, 0);
    Atomics.store(c, CTRL.ERR, 0);
    Atomics.store(c, CTRL.OP, op);
    Atomics.add(c, CTRL.GEN, 1);
    Atomics.notify(c, CTRL.GEN);
    let mainErr: unknown;
    try { meanwhile?.(); } catch (e) { mainErr = e; }
    for (;;) {
      const d = Atomics.load(c, CTRL.DONE);
      if (d >= n) break;
      Atomics.wait(c, CTRL.DONE, d);
    }
    if (Atomics.load(c, CTRL.ERR) > 0) {
      const end = this.errBytes.indexOf(0);
      const msg = new TextDecoder().decode(this.errBytes.slice(0, end < 0 ? this.errBytes.length : end));
      throw new WorkerError(msg || 'a worker failed');
    }
    if (mainErr !== undefined) throw mainErr;
  }

  /** Stop the workers (synchronously: QUIT, then terminate). Idempotent. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.ctrl, CTRL.OP, OP.QUIT);
    Atomics.add(this.ctrl, CTRL.GEN, 1);
    Atomics.notify(this.ctrl, CTRL.GEN);
    for (const w of this.workers) void w.terminate();
  }

  /** Stop the workers and wait until every one has exited. */
  async close(): Promise<void> {
    this.dispose();
    await Promise.all(this.exited);
  }
}

/** Start one worker running WORKER_SOURCE; `ready` resolves on its first 'ready' message. */
async function spawnWorker(): Promise<WorkerHandle> {
  const listeners: Array<(m: unknown) => void> = [];
  const dispatch = (m: unknown) => { for (const f of listeners) f(m); };
  if (isNode()) {
    const wtSpec = 'node:worker_threads'; // non-literal, as above
    const wt = (await import(/* @vite-ignore */ wtSpec)) as typeof import('node:worker_threads');
    const w = new wt.Worker(WORKER_SOURCE, { eval: true, execArgv: [] }); // a CommonJS script whatever the parent's flags
    let readyOk!: () => void, readyFail!: (e: Error) => void;
    const ready = new Promise<void>((res, rej) => { readyOk = res; readyFail = rej; });
    const exited = new Promise<void>((res) => w.once('exit', () => { readyFail(new WorkerError('a worker exited before it was ready')); res(); }));
    let isReady = false;
    w.on('message', (m: { type: string; message?: string }) => {
      // keep the worker referenced while it starts; once it waits for commands it must not hold the process
      if (!isReady && m.type === 'ready') { isReady = true; w.unref(); readyOk(); }
      else if (!isReady && m.type === 'error') readyFail(new WorkerError(m.message ?? 'worker error'));
      else dispatch(m);
    });
    w.on('error', (e: Error) => readyFail(new WorkerError(e.message)));
    return { worker: w, ready, exited, listen: (cb) => { listeners.push(cb); }, hold: (on) => { if (on) w.ref(); else w.unref(); } };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new Worker(url);
  URL.revokeObjectURL(url);
  let exitRes!: () => void;
  const exited = new Promise<void>((res) => { exitRes = res; });
  let isReady = false;
  const ready = new Promise<void>((res, rej) => {
    w.onmessage = (e: MessageEvent) => {
      const m = e.data as { type: string; message?: string };
      if (!isReady && m.type === 'ready') { isReady = true; res(); }
      else if (!isReady && m.type === 'error') rej(new WorkerError(m.message ?? 'worker error'));
      else dispatch(m);
    };
    w.onerror = (e: ErrorEvent) => { if (isReady) dispatch({ type: 'failed', message: e.message }); else rej(new WorkerError(e.message)); };
  });
  const term = w.terminate.bind(w);
  const worker: AnyWorker = { postMessage: (m, t) => w.postMessage(m, (t ?? []) as Transferable[]), terminate: () => { term(); exitRes(); } };
  return { worker, ready, exited, listen: (cb) => { listeners.push(cb); }, hold: () => {} };
}
