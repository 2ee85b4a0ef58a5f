/**
 * A pool of workers driven through an Atomics barrier (round trip ~20–40 µs): the coordinator writes each worker's
 * job into the argument block, bumps the generation counter and waits until every worker has counted itself done.
 * The waits are timed, and between them the coordinator checks that every worker is alive (each worker sets its
 * flag in the control block when its thread exits), so a worker that dies mid-pass fails the pass with a
 * WorkerError at once instead of hanging. Waiting blocks the calling thread: usable from Node's main thread and
 * inside Web Workers, not on a browser page's main thread ({@link atomicsWaitAllowed}).
 *
 * Workers are unref()ed in Node once ready, so a pool that is never closed does not keep the process alive;
 * `dispose()` stops them (QUIT, then terminate), `close()` also waits for their exit.
 */
import { StateError, ValidationError, WorkerError } from '../errors.js';
import { CMD, CTRL, ERR_BYTES, argsBytes, ctrlBytes, workerSlot, type WorkerConfig, type WorkerInit } from './protocol.js';
import { startWorkers, type WorkerHandle, type WorkerScript } from './spawn.js';

/** How often a waiting coordinator checks that its workers are alive (ms). */
const LIVENESS_MS = 25;

/**
 * Whether this thread may block in Atomics.wait (false on a browser page's main thread, and where
 * SharedArrayBuffer does not exist).
 */
export function atomicsWaitAllowed(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return false;
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

export class BarrierPool {
  readonly ctrl: Int32Array;
  readonly args: Float64Array;
  private readonly errBytes: Uint8Array;
  private closed = false;
  private broken?: WorkerError;

  private constructor(private readonly handles: WorkerHandle[], ctrl: SharedArrayBuffer, args: SharedArrayBuffer, err: SharedArrayBuffer) {
    this.ctrl = new Int32Array(ctrl);
    this.args = new Float64Array(args);
    this.errBytes = new Uint8Array(err);
  }

  /** Start `count` workers, worker i initialized with `init(i)`; resolves once all have instantiated the kernels. */
  static async start(count: number, init: (i: number) => Omit<WorkerInit, 'id' | 'ctrl' | 'args' | 'err'>, script?: WorkerScript): Promise<BarrierPool> {
    if (!atomicsWaitAllowed()) {
      throw new ValidationError('worker threads over an Atomics barrier need SharedArrayBuffer and a thread that may block ' +
        '(not a browser page\'s main thread): run the solver in a Web Worker, or use message placement');
    }
    const ctrl = new SharedArrayBuffer(ctrlBytes(count));
    const args = new SharedArrayBuffer(argsBytes(count));
    const err = new SharedArrayBuffer(ERR_BYTES);
    const handles = await startWorkers(count, (i) => ({ ...init(i), id: i, ctrl, args, err }), script);
    return new BarrierPool(handles, ctrl, args, err);
  }

  /** Number of workers. */
  get size(): number { return this.handles.length; }
  get isClosed(): boolean { return this.closed; }
  /** How many workers have exited (all of them once `close()` resolves). */
  get exitedCount(): number { return this.handles.filter((h) => h.hasExited).length; }

  /** Index of worker i's first argument slot. */
  slot(i: number): number { return workerSlot(i); }

  /**
   * Run one command on every worker: release them, run `meanwhile` on the calling thread (its own share of the
   * work), then wait until all are done. Throws a WorkerError if a worker's job failed or a worker died.
   */
  run(cmd: number = CMD.RUN, meanwhile?: () => void): void {
    this.check();
    const c = this.ctrl, n = this.handles.length;
    Atomics.store(c, CTRL.DONE, 0);
    Atomics.store(c, CTRL.ERR, 0);
    Atomics.store(c, CTRL.OP, cmd);
    Atomics.add(c, CTRL.GEN, 1);
    Atomics.notify(c, CTRL.GEN);
    let mainErr: unknown;
    try { meanwhile?.(); } catch (e) { mainErr = e; }
    this.waitFor(CTRL.DONE, n);
    if (Atomics.load(c, CTRL.ERR) > 0) {
      const end = this.errBytes.indexOf(0);
      const msg = new TextDecoder().decode(this.errBytes.slice(0, end < 0 ? this.errBytes.length : end));
      throw new WorkerError(msg || 'a worker failed');
    }
    if (mainErr !== undefined) throw mainErr;
  }

  /**
   * Send every worker a configuration message (e.g. a larger exchange array) and let it take it: the workers return
   * to their event loop (YIELD), receive the message, and re-enter the command loop.
   */
  reconfigure(config: (i: number) => WorkerConfig): void {
    this.check();
    Atomics.store(this.ctrl, CTRL.RESUMED, 0);
    this.handles.forEach((h, i) => h.worker.postMessage(config(i)));
    this.run(CMD.YIELD);
    this.waitFor(CTRL.RESUMED, this.handles.length);
  }

  /** Fault injection for tests: worker i exits in the middle of the next command. */
  injectDeath(i: number): void {
    this.check();
    this.args[0] = i;
    this.run(CMD.DIE);
  }

  /** Wait until ctrl[index] ≥ target, checking every LIVENESS_MS that no worker has died. */
  private waitFor(index: number, target: number): void {
    const c = this.ctrl;
    for (;;) {
      const d = Atomics.load(c, index);
      if (d >= target) return;
      const dead = this.deadWorker();
      if (dead >= 0) this.fail(new WorkerError(`worker ${dead} exited during a pass (it crashed or was terminated); create the operator again`));
      Atomics.wait(c, index, d, LIVENESS_MS);
    }
  }

  private deadWorker(): number {
    for (let i = 0; i < this.handles.length; i++) {
      if (Atomics.load(this.ctrl, CTRL.DEAD + i) !== 0 || this.handles[i].hasExited) return i;
    }
    return -1;
  }

  private check(): void {
    if (this.closed) throw new StateError('this worker pool has been closed');
    if (this.broken) throw this.broken;
    const dead = this.deadWorker();
    if (dead >= 0) this.fail(new WorkerError(`worker ${dead} has exited (it crashed or was terminated); create the operator again`));
  }

  /** A worker died: the others may still be writing, so stop them all; every later call fails the same way. */
  private fail(e: WorkerError): never {
    this.broken = e;
    this.terminateAll();
    throw e;
  }

  private terminateAll(): void {
    Atomics.store(this.ctrl, CTRL.OP, CMD.QUIT);
    Atomics.add(this.ctrl, CTRL.GEN, 1);
    Atomics.notify(this.ctrl, CTRL.GEN);
    for (const h of this.handles) void h.worker.terminate();
  }

  /** Stop the workers (synchronously: QUIT, then terminate). Idempotent. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.terminateAll();
  }

  /** Stop the workers and wait until every one has exited. */
  async close(): Promise<void> {
    this.dispose();
    await Promise.all(this.handles.map((h) => h.exited));
  }
}
