/**
 * Errors are part of the API: every failure that a caller can cause has its own class and a message that says
 * what was wrong, with the offending value, before any memory is allocated or any kernel runs.
 */

/** Base class of every error matsense throws on purpose. */
export class MatsenseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An argument is invalid: wrong type, non-integer or non-positive size, NaN/Infinity, mismatched length. */
export class ValidationError extends MatsenseError {}

/** The requested buffers do not fit in one WebAssembly memory (wasm32: 4 GiB) or the host refused to grow it. */
export class OutOfMemoryError extends MatsenseError {
  constructor(message: string, readonly requestedBytes: number, readonly limitBytes: number) {
    super(message);
  }
}

/** The wasm binary is missing, not compiled for this platform, or does not match what the caller expects. */
export class KernelLoadError extends MatsenseError {}

/** A method was called out of order on a stateful handle (e.g. `step()` before `setup()`). */
export class StateError extends MatsenseError {}

/** A worker thread failed: its job threw, it could not start, or it exited while work was pending. */
export class WorkerError extends MatsenseError {}

/**
 * A file could not be written (or an output path cannot be written to): `path` names it, `code` is the system's error
 * code when there is one (ENOSPC, EACCES, EISDIR, ENOTDIR, …). A failed write leaves any previous file intact.
 */
export class OutputError extends MatsenseError {
  constructor(message: string, readonly path: string, readonly code?: string) {
    super(message);
  }
}

/** A run was cancelled through its AbortSignal. */
export class AbortError extends MatsenseError {}

/** Human-readable byte counts for error messages. */
export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}
