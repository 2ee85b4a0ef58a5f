/**
 * The worker program. The build bundles this file (with the block programs and the protocol it imports) into one
 * self-contained script, build/matsense-worker.js, which src/workers/spawn.ts starts on each platform (Node: an
 * evaluated worker_threads script; browsers and other runtimes: a Blob URL).
 *
 * A worker instantiates the kernels and then serves block jobs (src/kernels/programs.ts) on its block of an
 * operator's rows, in one of three modes:
 * - `shared`: the runtime's shared memory holds everything; jobs arrive through the Atomics barrier as pointers;
 * - `private`: the worker owns its rows in its own memory; jobs arrive through the barrier, vectors through the
 *   exchange array (layout in protocol.ts);
 * - `message`: as private, but each job and its reply are messages (no SharedArrayBuffer needed).
 */
import type { Kernels } from '../kernels/api.js';
import { PROGRAMS, type BlockArgs } from '../kernels/programs.js';
import {
  CMD, CTRL, HEAP_BASE, SLOT, WORKER_ZIG_BYTES, exchangeLayout, workAreaLayout, workerSlot,
  type FromWorker, type JobShape, type MessageJob, type WorkerConfig, type WorkerInit,
} from './protocol.js';

declare const require: ((id: string) => unknown) | undefined;

interface Port {
  post(m: FromWorker, transfer?: Transferable[]): void;
  on(cb: (m: unknown) => void): void;
  /** Run `f` when this thread exits (Node only; browsers have no such event). */
  onExit(f: () => void): void;
  exit(): void;
}

interface NodePort { postMessage(m: unknown, t?: unknown[]): void; on(ev: 'message', f: (m: unknown) => void): void }
interface NodeProcess { on(ev: 'exit', f: () => void): void; exit(code?: number): never; versions?: { node?: string } }

function platformPort(): Port {
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (proc?.versions?.node && typeof require === 'function') {
    const wt = require('node:worker_threads') as { parentPort: NodePort };
    return {
      post: (m, t) => wt.parentPort.postMessage(m, t ?? []),
      on: (cb) => wt.parentPort.on('message', cb),
      onExit: (f) => proc.on('exit', f),
      exit: () => proc.exit(1),
    };
  }
  const scope = globalThis as unknown as { postMessage(m: unknown, t?: Transferable[]): void; onmessage: ((e: MessageEvent) => void) | null; close(): void };
  return {
    post: (m, t) => scope.postMessage(m, t ?? []),
    on: (cb) => { scope.onmessage = (e) => cb(e.data); },
    onExit: () => {},
    exit: () => scope.close(),
  };
}

const port = platformPort();

interface State {
  init: WorkerInit;
  K: Kernels;
  memory: WebAssembly.Memory;
  /** Own memory: the zig tables, the row arrays, and where the work area starts. */
  zig: number;
  dataPtrs: number[];
  workBase: number;
  xchg?: Float64Array;
}

let st: State | undefined;

port.on((m) => {
  const msg = m as WorkerInit | WorkerConfig | MessageJob;
  if (!st) { void start(msg as WorkerInit); return; }
  if ((msg as WorkerConfig).type === 'config') { reconfigure(msg as WorkerConfig); return; }
  if ((msg as MessageJob).type === 'job') serveMessage(msg as MessageJob);
});

async function start(init: WorkerInit): Promise<void> {
  try {
    if (init.mode === 'shared') {
      const memory = init.memory!;
      const K = (await WebAssembly.instantiate(init.module, { env: { memory } })).exports as unknown as Kernels;
      st = { init, K, memory, zig: 0, dataPtrs: [], workBase: 0 };
    } else {
      st = await ownMemory(init);
    }
    if (init.mode === 'message') { port.post({ type: 'ready' }); return; }
    const ctrl = new Int32Array(init.ctrl!);
    port.onExit(() => { Atomics.store(ctrl, CTRL.DEAD + init.id, 1); Atomics.notify(ctrl, CTRL.DONE); });
    if (init.xchg) st.xchg = new Float64Array(init.xchg);
    // read the generation BEFORE saying ready: the coordinator may bump it as soon as it hears 'ready'
    gen = Atomics.load(ctrl, CTRL.GEN);
    port.post({ type: 'ready' });
    serve();
  } catch (e) {
    port.post({ type: 'error', message: describe(e) });
  }
}

/** Private and message modes: a memory of the worker's own with its rows (copied from `data`, or generated later). */
async function ownMemory(init: WorkerInit): Promise<State> {
  const rows = init.rows ?? 0, layout = init.layout ?? { bytesPerRow: [] };
  const al = (b: number) => Math.ceil(b / 64) * 64;
  let top = HEAP_BASE;
  const zig = top; top += al(WORKER_ZIG_BYTES);
  const dataPtrs: number[] = [];
  for (const b of layout.bytesPerRow) { dataPtrs.push(top); top += al(rows * b); }
  const pages = Math.ceil(top / 65536) + 1;
  if (pages > 65536) throw new Error(`a worker block of ${rows} rows needs ${top} bytes, over the 4 GiB of one wasm memory`);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: 65536 });
  const K = (await WebAssembly.instantiate(init.module, { env: { memory } })).exports as unknown as Kernels;
  K.zig_init(zig);
  init.data?.forEach((buf, j) => new Uint8Array(memory.buffer, dataPtrs[j], buf.byteLength).set(new Uint8Array(buf)));
  init.data = undefined;
  return { init, K, memory, zig, dataPtrs, workBase: top };
}

let gen = 0;

/** The barrier command loop; returns on QUIT and YIELD (the latter resumes on the next configuration message). */
function serve(): void {
  const s = st!, ctrl = new Int32Array(s.init.ctrl!), args = new Float64Array(s.init.args!), id = s.init.id;
  const errBytes = new Uint8Array(s.init.err!);
  const done = () => { Atomics.add(ctrl, CTRL.DONE, 1); Atomics.notify(ctrl, CTRL.DONE); };
  for (;;) {
    Atomics.wait(ctrl, CTRL.GEN, gen);
    const g = Atomics.load(ctrl, CTRL.GEN);
    if (g === gen) continue;
    gen = g;
    const op = Atomics.load(ctrl, CTRL.OP);
    if (op === CMD.QUIT) return;
    if (op === CMD.DIE && args[0] === id) { Atomics.store(ctrl, CTRL.DEAD + id, 1); Atomics.notify(ctrl, CTRL.DONE); port.exit(); return; }
    if (op === CMD.YIELD) { done(); return; }
    if (op === CMD.RUN) {
      try {
        runBarrierJob(s, args, workerSlot(id));
      } catch (e) {
        if (Atomics.add(ctrl, CTRL.ERR, 1) === 0) writeErr(errBytes, `worker ${id}: ${describe(e)}`);
      }
    }
    done();
  }
}

function reconfigure(c: WorkerConfig): void {
  const s = st!;
  s.xchg = new Float64Array(c.xchg);
  const ctrl = new Int32Array(s.init.ctrl!);
  Atomics.add(ctrl, CTRL.RESUMED, 1);
  Atomics.notify(ctrl, CTRL.RESUMED);
  serve();
}

function runBarrierJob(s: State, a: Float64Array, b: number): void {
  const program = PROGRAMS[a[b + SLOT.PROGRAM]];
  if (!program) throw new Error(`unknown block program ${a[b + SLOT.PROGRAM]}`);
  const params = a.subarray(b + SLOT.PARAMS, b + SLOT.PARAMS + a[b + SLOT.NPARAMS]);
  const row0 = a[b + SLOT.ROW0], rows = a[b + SLOT.ROWS];
  if (s.init.mode === 'shared') {
    const data: number[] = [];
    for (let j = 0; j < a[b + SLOT.NDATA]; j++) data.push(a[b + SLOT.DATA + j]);
    program.run(s.K, {
      row0, rows, data, input: a[b + SLOT.INPUT], rowsIn: a[b + SLOT.ROWS_IN], rowsOut: a[b + SLOT.ROWS_OUT],
      ldOut: a[b + SLOT.LD_OUT], partial: a[b + SLOT.PARTIAL], scratch: a[b + SLOT.SCRATCH], zig: a[b + SLOT.ZIG],
    }, params);
    return;
  }
  const shape: JobShape = { inputLen: a[b + SLOT.INPUT_LEN], rowsIn: a[b + SLOT.ROWS_IN_COUNT], rowsOut: a[b + SLOT.OUT_COUNT], partialLen: a[b + SLOT.PARTIAL_LEN] };
  const m = a[b + SLOT.M], x = s.xchg!, L = exchangeLayout(m, shape, a[b + SLOT.WORKERS]);
  runOwnJob(s, PROGRAMS.indexOf(program), params, row0, rows, shape,
    (v) => v.set(x.subarray(L.input, L.input + shape.inputLen)),
    (t, v) => v.set(x.subarray(L.rowsIn + t * m + row0, L.rowsIn + t * m + row0 + rows)),
    (t, v) => x.set(v, L.rowsOut + t * m + row0),
    (v) => x.set(v, L.partial + s.init.id * shape.partialLen));
}

/** Run a job on this worker's own rows: copy the inputs into its memory, run, hand the outputs back. */
function runOwnJob(s: State, programIndex: number, params: ArrayLike<number>, row0: number, rows: number, shape: JobShape,
  getInput: (v: Float64Array) => void, getRowsIn: (t: number, v: Float64Array) => void,
  putRowsOut: (t: number, v: Float64Array) => void, putPartial: (v: Float64Array) => void): void {
  const program = PROGRAMS[programIndex];
  if (!program) throw new Error(`unknown block program ${programIndex}`);
  const w = workAreaLayout(s.workBase, rows, shape, program.scratchBytes(rows, params));
  const have = s.memory.buffer.byteLength;
  if (w.end > have) s.memory.grow(Math.ceil((w.end - have) / 65536));
  const buf = s.memory.buffer;
  if (shape.inputLen) getInput(new Float64Array(buf, w.input, shape.inputLen));
  for (let t = 0; t < shape.rowsIn; t++) getRowsIn(t, new Float64Array(buf, w.rowsIn + t * rows * 8, rows));
  const args: BlockArgs = {
    row0, rows, data: s.dataPtrs, input: w.input, rowsIn: w.rowsIn, rowsOut: w.rowsOut, ldOut: rows,
    partial: w.partial, scratch: w.scratch, zig: s.zig,
  };
  program.run(s.K, args, params);
  for (let t = 0; t < shape.rowsOut; t++) putRowsOut(t, new Float64Array(buf, w.rowsOut + t * rows * 8, rows));
  if (shape.partialLen) putPartial(new Float64Array(buf, w.partial, shape.partialLen));
}

function serveMessage(q: MessageJob): void {
  try {
    const s = st!, rows = s.init.rows ?? 0, shape = q.shape;
    const out = new Float64Array(shape.rowsOut * rows + shape.partialLen);
    runOwnJob(s, q.program, q.params, q.row0, rows, shape,
      (v) => v.set(q.input!), (t, v) => v.set(q.rowsIn!.subarray(t * rows, (t + 1) * rows)),
      (t, v) => out.set(v, t * rows), (v) => out.set(v, shape.rowsOut * rows));
    port.post({ type: 'done', seq: q.seq, data: out }, [out.buffer]);
  } catch (e) {
    port.post({ type: 'failed', seq: q.seq, message: describe(e) });
  }
}

function writeErr(bytes: Uint8Array, s: string): void {
  const enc = new TextEncoder().encode(s.slice(0, 1000));
  bytes.fill(0);
  bytes.set(enc.subarray(0, bytes.length - 1));
}

function describe(e: unknown): string {
  return String((e as Error)?.stack ?? e);
}
