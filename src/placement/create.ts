/** Choosing and starting a placement from the user's `threads` and `memory`. */
import { OutOfMemoryError, ValidationError, formatBytes } from '../errors.js';
import { isNode } from '../kernels/load.js';
import type { Runtime } from '../runtime.js';
import { atomicsWaitAllowed } from '../workers/pool.js';
import type { RowLayout } from '../workers/protocol.js';
import { PrivatePlacement, SharedPlacement } from './barrier.js';
import { MessagePlacement } from './message.js';
import { LocalPlacement, rowBytes, type Placement, type PlacementKind, type PlacementOptions, type RowData } from './placement.js';

/** Number of hardware threads (Node: availableParallelism; browsers: navigator.hardwareConcurrency). */
export async function hardwareThreads(): Promise<number> {
  if (isNode()) {
    const osSpec = 'node:os'; // non-literal: browser bundlers must not resolve a Node built-in
    const os = (await import(/* @vite-ignore */ osSpec)) as typeof import('node:os');
    return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, n ?? 1);
}

/** Check `threads` (an integer in [1, 256] or 'auto'); 'auto' is resolved by {@link resolveThreads}. */
export function checkThreads(threads: unknown): number | 'auto' {
  if (threads === undefined) return 1;
  if (threads === 'auto') return threads;
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw new ValidationError(`threads must be an integer in [1, 256] or 'auto', got ${String(threads)}`);
  }
  return threads;
}

/** Resolve `threads: number | 'auto'` to a count ≥ 1 ('auto' = the hardware threads, at most 16). */
export async function resolveThreads(threads: unknown): Promise<number> {
  const t = checkThreads(threads);
  return t === 'auto' ? Math.min(16, await hardwareThreads()) : t;
}

const KINDS = ['auto', 'local', 'shared', 'private', 'message'] as const;

/**
 * Which placement serves `threads` threads for rows of `bytes` bytes (rules in {@link PlacementOptions}). Explicit
 * choices that cannot work here raise a ValidationError before any worker starts.
 */
export function choosePlacement(rt: Runtime, memory: unknown, threads: number, bytes: number): PlacementKind {
  if (!(KINDS as readonly unknown[]).includes(memory ?? 'auto')) {
    throw new ValidationError(`memory must be one of ${KINDS.map((k) => `'${k}'`).join(', ')}, got ${String(memory)}`);
  }
  const canBlock = atomicsWaitAllowed();
  const fits = bytes < rt.available();
  switch (memory ?? 'auto') {
    case 'local':
      if (threads > 1) throw new ValidationError(`memory: 'local' runs on the calling thread only; threads = ${threads} needs 'shared', 'private' or 'message'`);
      return 'local';
    case 'shared':
      if (!rt.shared) throw new ValidationError("memory: 'shared' needs a runtime created with { shared: true }");
      if (!canBlock) throw new ValidationError("memory: 'shared' needs a thread that may block in Atomics.wait (not a browser page's main thread): run the solver in a Web Worker, or use memory: 'message'");
      return 'shared';
    case 'private':
      if (!canBlock) throw new ValidationError("memory: 'private' needs SharedArrayBuffer and a thread that may block (not a browser page's main thread): use memory: 'message'");
      return 'private';
    case 'message':
      return 'message';
    default:
      if (threads === 1 && fits) return 'local';
      if (!canBlock) return 'message';
      if (rt.shared && fits) return 'shared';
      return 'private';
  }
}

/**
 * Start a placement for m rows of `layout` (copied from `data` when given; otherwise left for a generation job).
 * A call that fails leaves no worker running.
 */
export async function createPlacement(rt: Runtime, m: number, layout: RowLayout, o: PlacementOptions = {}, data?: RowData): Promise<Placement> {
  if (o === null || typeof o !== 'object') throw new ValidationError('placement options must be an object');
  const threads = await resolveThreads(o.threads ?? 1);
  const bytes = m * rowBytes(layout);
  const kind = choosePlacement(rt, o.memory, threads, bytes);
  if ((kind === 'local' || kind === 'shared') && bytes >= rt.available()) {
    throw new OutOfMemoryError(
      `the operator's rows need ${formatBytes(bytes)} but the runtime can hold only ${formatBytes(rt.available())} more ` +
        `(one WebAssembly memory is limited to 4 GiB): use threads with memory: 'private' (rows in per-worker memories)`,
      bytes, rt.available());
  }
  switch (kind) {
    case 'local': return new LocalPlacement(rt, m, layout, data);
    case 'shared': return SharedPlacement.create(rt, m, layout, threads, data);
    case 'private': return PrivatePlacement.create(rt, m, layout, threads, data);
    default: return MessagePlacement.create(rt, m, layout, threads, data);
  }
}
