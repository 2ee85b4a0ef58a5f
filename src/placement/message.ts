/**
 * Message placement: each worker owns its rows in its own memory and answers one message per job (no
 * SharedArrayBuffer, nothing blocks), for browser pages that are not cross-origin isolated and for a page's main
 * thread. Its jobs can only be awaited; the reduction is the same as the other placements' (worker order).
 */
import { StateError } from '../errors.js';
import { programIndex } from '../kernels/programs.js';
import type { Runtime } from '../runtime.js';
import { MessagePool } from '../workers/message-pool.js';
import type { RowLayout } from '../workers/protocol.js';
import { ownRows, reducePartials } from './barrier.js';
import { Placement, type Job, type RowData } from './placement.js';

export class MessagePlacement extends Placement {
  readonly kind = 'message';
  readonly threads: number;
  readonly blocks: ReadonlyArray<readonly [number, number]>;

  private constructor(rt: Runtime, m: number, layout: RowLayout, blocks: Array<[number, number]>, private readonly pool: MessagePool) {
    super(rt, m, layout);
    this.blocks = blocks;
    this.threads = blocks.length;
  }

  static async create(rt: Runtime, m: number, layout: RowLayout, threads: number, data?: RowData): Promise<MessagePlacement> {
    const { blocks, init } = await ownRows(rt, m, layout, threads, data);
    const pool = await MessagePool.start(blocks.length, init, rt.workerScript);
    return new MessagePlacement(rt, m, layout, blocks, pool);
  }

  override get synchronous(): boolean { return false; }
  override get exitedWorkers(): number { return this.pool.exitedCount; }
  override injectWorkerDeath(i: number): void { this.pool.injectDeath(i); }

  protected _run(job: Job): void {
    throw new StateError(`${job.program}: this operator's rows live in workers that exchange vectors by message, so its passes ` +
      'are asynchronous: use the async form (solve(), Solver.stepAsync(), applyAsync())');
  }

  protected override async _runAsync(job: Job): Promise<void> {
    // copies: the inputs must not change while the workers run, and views of wasm memory may detach meanwhile
    const input = job.inputLen ? job.input!.a.slice(0, job.inputLen) : undefined;
    const rowsIn = job.rowsIn ? job.rowsInBuf!.a.slice(0, job.rowsIn * this.m) : undefined;
    const shape = { inputLen: job.inputLen, rowsIn: job.rowsIn, rowsOut: job.rowsOut, partialLen: job.partialLen };
    // each block's per-row inputs, vector t at t·rows (a posted view would clone its whole buffer)
    const blockRowsIn = (lo: number, hi: number) => {
      if (!rowsIn) return undefined;
      const v = new Float64Array(job.rowsIn * (hi - lo));
      for (let t = 0; t < job.rowsIn; t++) v.set(rowsIn.subarray(t * this.m + lo, t * this.m + hi), t * (hi - lo));
      return v;
    };
    const program = programIndex(job.program);
    const res = await Promise.all(this.blocks.map(([lo, hi], i) => this.pool.request(i, {
      program, params: [...job.params], row0: lo, shape, input, rowsIn: blockRowsIn(lo, hi),
    })));
    if (this.isDisposed) throw new StateError('the operator was disposed while its pass was running');
    if (job.rowsOut) {
      const R = job.rowsOutBuf!.a;
      this.blocks.forEach(([lo, hi], i) => {
        const rows = hi - lo;
        for (let t = 0; t < job.rowsOut; t++) R.set(res[i].subarray(t * rows, (t + 1) * rows), t * this.m + lo);
      });
    }
    if (job.partialLen) {
      reducePartials(job.out!.a, job.partialLen, this.threads, (i) => res[i].subarray(job.rowsOut * (this.blocks[i][1] - this.blocks[i][0])));
    }
  }

  protected _dispose(): void { this.pool.dispose(); }
  protected override _closed(): Promise<void> { return this.pool.close(); }
}
