/**
 * Argument checks shared by the `linalg` routines.
 *
 * Every public routine validates its dimensions, buffer lengths and (for inputs) finiteness up front, so
 * that a shape bug surfaces as a readable `RangeError` at the call site instead of as `NaN`s three
 * functions later. The checks are O(size of the input) and allocate nothing.
 *
 * @module
 */

/**
 * Throws a `RangeError` unless `value` is an integer ≥ `min`.
 *
 * @param where - name of the calling routine, used as the message prefix.
 * @param name - name of the dimension (`"m"`, `"rows"`, …).
 * @param value - the dimension to check.
 * @param min - smallest allowed value (default 1).
 */
export function assertDim(where: string, name: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${where}: ${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
}

/**
 * Throws unless `a` is a `Float64Array` holding exactly `rows × cols` elements (row-major).
 *
 * @throws TypeError if `a` is not a `Float64Array`; RangeError if its length is not `rows * cols`.
 */
export function assertMatrix(where: string, name: string, a: unknown, rows: number, cols: number): void {
  if (!(a instanceof Float64Array)) {
    throw new TypeError(`${where}: ${name} must be a Float64Array`);
  }
  if (a.length !== rows * cols) {
    throw new RangeError(
      `${where}: ${name} has length ${a.length}, expected ${rows}×${cols} = ${rows * cols} (row-major)`,
    );
  }
}

/**
 * Throws an `Error` naming the first non-finite element (NaN or ±Infinity) of `a`, if any.
 * `cols` is used only to report the (row, column) position of the offending entry.
 */
export function assertFinite(where: string, name: string, a: Float64Array, cols = 1): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isFinite(v)) {
      const pos = cols > 1 ? `(${Math.floor(i / cols)}, ${i % cols})` : `[${i}]`;
      throw new Error(`${where}: ${name}${pos} is ${String(v)}; inputs must be finite`);
    }
  }
}

/** Shape check plus finiteness check of an input matrix. */
export function assertInput(where: string, name: string, a: unknown, rows: number, cols: number): void {
  assertMatrix(where, name, a, rows, cols);
  assertFinite(where, name, a as Float64Array, cols);
}

/**
 * Throws a `RangeError` if the two arrays share any memory (same buffer, overlapping byte ranges).
 * Used for `out` arguments of routines that cannot work in place.
 */
export function assertNoOverlap(where: string, outName: string, out: Float64Array, inName: string, a: Float64Array): void {
  if (out.buffer !== a.buffer) return;
  const o0 = out.byteOffset;
  const o1 = o0 + out.byteLength;
  const a0 = a.byteOffset;
  const a1 = a0 + a.byteLength;
  if (o0 < a1 && a0 < o1 && out.length > 0 && a.length > 0) {
    throw new RangeError(`${where}: ${outName} must not overlap ${inName} (this routine cannot work in place)`);
  }
}
