/**
 * Worker threads that run trials (Node): each thread holds its own runtime on the baseline SIMD kernels — the same
 * bits on every engine, so a trial's numbers do not depend on the machine that ran it — and runs one trial at a time.
 */
import { Worker } from 'node:worker_threads';
import { WorkerError } from '../errors.js';
import { compileKernels } from '../kernels/load.js';
import type { ResolvedKeep, Trial } from './spec.js';
import type { TrialOutcome } from './trial.js';

/** The bundled thread program, found next to the package code like the wasm (src/ and dist/ sit two levels down). */
export function sweepWorkerUrl(): URL {
  return new URL('../../build/matsense-sweep-worker.js', import.meta.url);
}

interface Slot { worker: Worker; busy?: { id: number; resolve(o: TrialOutcome): void; reject(e: Error): void } }

/** A fixed set of worker threads; `run` waits for a free one. */
export class TrialPool {
  private slots: Slot[] = [];
  private waiting: (() => void)[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(readonly threads: number) {}

  /** Start `threads` worker threads, each with the kernels compiled once here. */
  static async start(threads: number): Promise<TrialPool> {
    const module = await compileKernels('simd');
    const pool = new TrialPool(threads);
    for (let i = 0; i < threads; i++) pool.slots.push(pool.spawn(module));
    return pool;
  }

  private spawn(module: WebAssembly.Module): Slot {
    const slot: Slot = { worker: new Worker(sweepWorkerUrl(), { workerData: { module } }) };
    slot.worker.on('message', (m: { id: number; outcome?: TrialOutcome; failure?: string }) => {
      const b = slot.busy;
      if (!b || b.id !== m.id) return;
      slot.busy = undefined;
      if (m.outcome) b.resolve(m.outcome);
      else b.reject(new WorkerError(`trial failed: ${m.failure}`));
      this.waiting.shift()?.();
    });
    const dead = (why: string) => {
      const b = slot.busy;
      slot.busy = undefined;
      if (b) b.reject(new WorkerError(`a sweep worker thread ${why}`));
      // replace the thread so the pool keeps its size
      if (!this.closed) {
        const i = this.slots.indexOf(slot);
        if (i >= 0) { this.slots[i] = this.spawn(module); this.waiting.shift()?.(); }
      }
    };
    slot.worker.on('error', (e) => dead(`failed: ${e.message}`));
    slot.worker.on('exit', (code) => { if (!this.closed) dead(`exited (code ${code})`); });
    return slot;
  }

  /** Run one trial on the next free thread. */
  async run(trial: Trial, keep: ResolvedKeep): Promise<TrialOutcome> {
    for (;;) {
      if (this.closed) throw new WorkerError('the trial pool is closed');
      const slot = this.slots.find((s) => !s.busy);
      if (slot) {
        const id = this.nextId++;
        return new Promise<TrialOutcome>((resolve, reject) => {
          slot.busy = { id, resolve, reject };
          slot.worker.postMessage({ id, trial, keep });
        });
      }
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }

  /** Stop every thread (running trials are abandoned: they reject). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const busy = this.slots.map((s) => s.busy).filter((b) => b !== undefined);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    for (const b of busy) b!.reject(new WorkerError('the sweep was stopped'));
    for (const w of this.waiting.splice(0)) w();
  }
}
