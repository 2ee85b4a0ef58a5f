// Input checks shared by every public entry point. Each throws ValidationError naming the argument.
import { ValidationError } from './errors.js';

/** A positive integer (a size). */
export function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new ValidationError(`${name} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

/** A non-negative integer. */
export function nonNegativeInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new ValidationError(`${name} must be a non-negative integer, got ${String(v)}`);
  }
  return v;
}

/** A finite number, optionally with bounds (inclusive unless `open` says otherwise). */
export function finiteNumber(
  name: string,
  v: unknown,
  opts: { min?: number; max?: number; exclusiveMin?: boolean } = {},
): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ValidationError(`${name} must be a finite number, got ${String(v)}`);
  }
  if (opts.min !== undefined && (opts.exclusiveMin ? v <= opts.min : v < opts.min)) {
    throw new ValidationError(`${name} must be ${opts.exclusiveMin ? '>' : '≥'} ${opts.min}, got ${v}`);
  }
  if (opts.max !== undefined && v > opts.max) {
    throw new ValidationError(`${name} must be ≤ ${opts.max}, got ${v}`);
  }
  return v;
}

/** A typed array of an expected length whose entries are all finite. */
export function finiteArray<T extends Float32Array | Float64Array>(name: string, a: unknown, length: number): T {
  if (!(a instanceof Float64Array) && !(a instanceof Float32Array)) {
    throw new ValidationError(`${name} must be a Float64Array or Float32Array, got ${describe(a)}`);
  }
  if (a.length !== length) {
    throw new ValidationError(`${name} has length ${a.length}, expected ${length}`);
  }
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) {
      throw new ValidationError(`${name}[${i}] is ${a[i]}: every entry must be finite`);
    }
  }
  return a as T;
}

function describe(a: unknown): string {
  if (a === null) return 'null';
  if (typeof a === 'object') return (a as object).constructor?.name ?? 'object';
  return typeof a;
}

/**
 * Reject keys of an options object that are not among `allowed` (a typo must not silently run the default):
 * `ValidationError` naming the key, where it was found and the closest allowed key. `undefined` values count too.
 */
export function checkKeys(where: string, obj: unknown, allowed: readonly string[]): void {
  if (obj === null || typeof obj !== 'object') throw new ValidationError(`${where} must be an object, got ${obj === null ? 'null' : typeof obj}`);
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const near = didYouMean(key, allowed);
    throw new ValidationError(`${where}: unknown option '${key}'${near ? ` — did you mean '${near}'?` : ''} (known: ${allowed.join(', ')})`);
  }
}

/** The allowed name closest to `key` (edit distance ≤ max(2, ⅓ of its length), case-insensitive), if any. */
export function didYouMean(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const a of allowed) {
    const d = editDistance(key.toLowerCase(), a.toLowerCase());
    if (d < bestD) { bestD = d; best = a; }
  }
  return bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Infinity;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
