/**
 * The one module that owns the layout of every buffer exchanged with workers: the control block and the argument
 * slots of the Atomics barrier, the commands, the exchange array of private placements, the message formats of
 * message placements, and the start-up message. The coordinator (src/placement/) and the worker program
 * (src/workers/worker.ts) both read their offsets from here.
 */

/** Control block (Int32Array over a SharedArrayBuffer). Per-worker flags follow at `DEAD + i`. */
export const CTRL = {
  /** Generation counter: bumped to release the workers on a new command. */
  GEN: 0,
  /** Workers done with the current command. */
  DONE: 1,
  /** The current command (see {@link CMD}). */
  OP: 2,
  /** Number of workers whose command failed (the first one's message is in the error block). */
  ERR: 3,
  /** Workers that have re-entered the command loop after a YIELD. */
  RESUMED: 4,
  /** First per-worker flag: 1 once worker i has exited (set by its own exit hook). */
  DEAD: 8,
} as const;

/** Bytes of the control block for `workers` workers. */
export function ctrlBytes(workers: number): number { return (CTRL.DEAD + workers) * 4; }

/** Commands of the barrier protocol. */
export const CMD = {
  /** Leave the command loop and exit. */
  QUIT: 0,
  /** Run the block job written in the worker's argument slots. */
  RUN: 1,
  /** Return to the event loop to receive a configuration message, then resume the command loop. */
  YIELD: 2,
  /** Fault injection (tests): the worker named in the common slot exits without finishing the command. */
  DIE: 3,
} as const;

/** Bytes of the error block: the first failing worker's message, UTF-8, NUL-terminated. */
export const ERR_BYTES = 4096;

/** Argument slots of one worker (f64 slots, at `workerSlot(i)`). */
export const SLOT = {
  PROGRAM: 0,
  ROW0: 1,
  ROWS: 2,
  /** Shared memory: pointers of the job's buffers (byte offsets into the shared memory). */
  INPUT: 3,
  ROWS_IN: 4,
  ROWS_OUT: 5,
  LD_OUT: 6,
  PARTIAL: 7,
  SCRATCH: 8,
  ZIG: 9,
  /** Private memory: the job's sizes (the worker finds its buffers in the exchange array and its own memory). */
  INPUT_LEN: 10,
  ROWS_IN_COUNT: 11,
  OUT_COUNT: 12,
  PARTIAL_LEN: 13,
  M: 14,
  WORKERS: 15,
  /** Row-array pointers of the block (shared memory). */
  NDATA: 16,
  DATA: 17,
  NPARAMS: 21,
  PARAMS: 22,
} as const;

/** Most row arrays an operator may have, and most scalar parameters of a job. */
export const MAX_DATA = 4;
export const MAX_PARAMS = 16;
/** f64 slots per worker; slot 0 of the block (before worker 0) holds the fault-injection target. */
export const WORKER_SLOTS = SLOT.PARAMS + MAX_PARAMS + 2;
export const COMMON_SLOTS = 2;

/** Index of worker i's first argument slot. */
export function workerSlot(i: number): number { return COMMON_SLOTS + i * WORKER_SLOTS; }

/** Bytes of the argument block for `workers` workers. */
export function argsBytes(workers: number): number { return (COMMON_SLOTS + WORKER_SLOTS * Math.max(1, workers)) * 8; }

/** The sizes of a block job: what is broadcast, what comes back per row, what is summed over participants. */
export interface JobShape {
  /** f64 entries of the broadcast input. */
  inputLen: number;
  /** Number of per-row input vectors (each m long; e.g. 1: the measurements). */
  rowsIn: number;
  /** Number of per-row output vectors (each m long). */
  rowsOut: number;
  /** f64 entries of each participant's partial output. */
  partialLen: number;
}

/**
 * The exchange array of a private placement (f64 entries over a plain SharedArrayBuffer): the input, the per-row
 * inputs (rowsIn × m, vector t at rowsIn + t·m), the per-row outputs (rowsOut × m, vector t at rowsOut + t·m), then each worker's partial output.
 */
export interface ExchangeLayout {
  input: number;
  rowsIn: number;
  rowsOut: number;
  /** Worker i's partial output starts at partial + i·partialLen. */
  partial: number;
  /** f64 entries in all. */
  length: number;
}

export function exchangeLayout(m: number, job: JobShape, workers: number): ExchangeLayout {
  const input = 0;
  const rowsIn = input + job.inputLen;
  const rowsOut = rowsIn + job.rowsIn * m;
  const partial = rowsOut + job.rowsOut * m;
  return { input, rowsIn, rowsOut, partial, length: partial + workers * job.partialLen };
}

/** How a worker's operator rows are laid out: one array per entry, `bytesPerRow[j]` bytes per row. */
export interface RowLayout {
  bytesPerRow: readonly number[];
}

/**
 * The buffers of one job inside a worker's own memory (private and message modes), above its rows: input,
 * per-row input, per-row outputs (ld = rows), partial output, scratch. Byte offsets from `base`.
 */
export function workAreaLayout(base: number, rows: number, job: JobShape, scratchBytes: number): { input: number; rowsIn: number; rowsOut: number; partial: number; scratch: number; end: number } {
  const al = (b: number) => Math.ceil(b / 64) * 64;
  const input = base;
  const rowsIn = input + al(job.inputLen * 8);
  const rowsOut = rowsIn + al(job.rowsIn * rows * 8);
  const partial = rowsOut + al(job.rowsOut * rows * 8);
  const scratch = partial + al(job.partialLen * 8);
  return { input, rowsIn, rowsOut, partial, scratch, end: scratch + al(scratchBytes) };
}

/** Bytes of the ziggurat tables a worker with its own memory initialises (equals ZIG_TABLE_BYTES). */
export const WORKER_ZIG_BYTES = 128 * 4 + 128 * 8 * 2;
/** The first 64 KiB of a wasm memory are left to the module's constant data. */
export const HEAP_BASE = 65536;

/** What a worker is told at start-up. */
export interface WorkerInit {
  mode: 'shared' | 'private' | 'message';
  id: number;
  module: WebAssembly.Module;
  /** Shared mode: the runtime's shared memory. */
  memory?: WebAssembly.Memory;
  /** Private and message modes: the worker's rows, their layout, and their data (transferred), if given. */
  rows?: number;
  layout?: RowLayout;
  data?: ArrayBuffer[];
  /** Barrier modes: control, argument and error blocks. */
  ctrl?: SharedArrayBuffer;
  args?: SharedArrayBuffer;
  err?: SharedArrayBuffer;
  /** Private mode: the exchange array. */
  xchg?: SharedArrayBuffer;
}

/** A configuration message (sent before a YIELD command): a new exchange array. */
export interface WorkerConfig {
  type: 'config';
  xchg: SharedArrayBuffer;
}

/** A request to a message-mode worker: one job on its rows. */
export interface MessageJob {
  type: 'job';
  seq: number;
  program: number;
  params: number[];
  row0: number;
  shape: JobShape;
  input?: Float64Array;
  /** The worker's slice of the per-row input. */
  rowsIn?: Float64Array;
}

/** A message-mode worker's reply: its per-row outputs (rowsOut × rows, vector after vector), then its partial. */
export interface MessageReply {
  type: 'done' | 'failed';
  seq: number;
  data?: Float64Array;
  message?: string;
}

/** Messages a worker posts to its coordinator. */
export type FromWorker = { type: 'ready' } | { type: 'error'; message: string } | { type: 'resumed' } | MessageReply;
