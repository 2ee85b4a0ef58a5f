/**
 * The observed entries Ω of matrix completion: checked, sorted by (row, column) — so a pass reuses each row of F —
 * and sampled reproducibly. Sampling draws each row's cells from (seed, stream, row) alone (Bernoulli by geometric
 * skips, in wasm), so the same seed gives the same Ω whatever the thread count; "exactly m" draws a slightly larger
 * Bernoulli set and keeps a uniformly random m-subset of it (selection sampling), which makes every m-subset equally
 * likely.
 */
import { ValidationError } from '../errors.js';
import { splitSeed } from '../random.js';
import type { Runtime } from '../runtime.js';

/** Entries as (row, column) pairs packed in one Int32Array: [u0, v0, u1, v1, …], sorted by (u, v). */
export type EntryPairs = Int32Array;

/** Number of cells a sampler chooses from: n1·n2, or n(n + 1)/2 pairs u ≤ v for a symmetric matrix. */
export function cellCount(n1: number, n2: number, symmetric: boolean): number {
  return symmetric ? (n1 * (n1 + 1)) / 2 : n1 * n2;
}

/**
 * Check and sort given entries (0-based integer indices in range; no duplicates; symmetric: (u, v) and (v, u) are one
 * cell, stored as u ≤ v). Returns the sorted pairs and, for carrying values along, the permutation (sorted position
 * i holds given entry perm[i]). Everything is checked before anything is allocated beyond the output.
 */
export function sortEntries(n1: number, n2: number, rows: ArrayLike<number>, cols: ArrayLike<number>, symmetric = false): { pairs: EntryPairs; perm: Int32Array } {
  if (!rows || !cols || typeof rows.length !== 'number' || typeof cols.length !== 'number') throw new ValidationError('rows and cols must be arrays of indices');
  const m = rows.length;
  if (cols.length !== m) throw new ValidationError(`rows has ${m} entries but cols has ${cols.length}`);
  if (m === 0) throw new ValidationError('no observed entries');
  if (symmetric && n1 !== n2) throw new ValidationError(`symmetric completion needs n1 = n2, got ${n1} × ${n2}`);
  const key = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let u = rows[i], v = cols[i];
    if (!Number.isInteger(u) || !Number.isInteger(v) || u < 0 || v < 0 || u >= n1 || v >= n2) {
      throw new ValidationError(`entry ${i} is (${u}, ${v}), outside the ${n1} × ${n2} matrix (indices are 0-based integers)`);
    }
    if (symmetric && u > v) { const t = u; u = v; v = t; }
    key[i] = u * n2 + v;
  }
  const perm = new Int32Array(m);
  for (let i = 0; i < m; i++) perm[i] = i;
  perm.sort((a, b) => key[a] - key[b]);
  const pairs = new Int32Array(2 * m);
  for (let i = 0; i < m; i++) {
    const kk = key[perm[i]];
    if (i > 0 && kk === key[perm[i - 1]]) {
      throw new ValidationError(`entries ${perm[i - 1]} and ${perm[i]} are the same cell (${Math.floor(kk / n2)}, ${kk % n2})${symmetric ? ' (a symmetric matrix has one cell per pair u, v)' : ''}`);
    }
    pairs[2 * i] = Math.floor(kk / n2);
    pairs[2 * i + 1] = kk % n2;
  }
  return { pairs, perm };
}

/** How many cells to draw: a Bernoulli probability, or exactly m cells. */
export type EntryCount = { density: number } | { m: number };

/** Check an {@link EntryCount} against the number of cells. */
export function checkEntryCount(c: EntryCount, cells: number): EntryCount {
  if ('density' in c) {
    const p = c.density;
    if (typeof p !== 'number' || !(p > 0 && p <= 1)) throw new ValidationError(`density must be in (0, 1], got ${String(p)}`);
    return c;
  }
  const m = c.m;
  if (!Number.isInteger(m) || m < 1) throw new ValidationError(`m must be a positive integer, got ${String(m)}`);
  if (m > cells) throw new ValidationError(`m = ${m} exceeds the ${cells} cells of the matrix: completion observes each entry at most once`);
  return c;
}

/**
 * Draw observed entries: each cell with probability `density` (Bernoulli), or exactly `m` cells uniformly without
 * replacement. `exclude` (sorted pairs) are never drawn (held-out entries disjoint from the training ones). Rows are
 * drawn from (seed, stream, row) alone. Sorted by (u, v); symmetric: cells u ≤ v.
 */
export function sampleEntries(rt: Runtime, n1: number, n2: number, symmetric: boolean, count: EntryCount, seed: number, stream: number, exclude?: EntryPairs): EntryPairs {
  const cells = cellCount(n1, n2, symmetric) - (exclude ? exclude.length / 2 : 0);
  checkEntryCount(count, cells);
  if ('density' in count) return bernoulli(rt, n1, n2, symmetric, count.density, seed, stream, exclude);
  const m = count.m;
  // a Bernoulli set a little larger than m (≥ m with overwhelming probability; redrawn otherwise), thinned to m
  for (let attempt = 0; ; attempt++) {
    const p = Math.min(1, (m + 6 * Math.sqrt(m) + 10) / cells * (1 + attempt));
    const cand = bernoulli(rt, n1, n2, symmetric, p, seed, stream + 1000 * attempt, exclude);
    const total = cand.length / 2;
    if (total < m) continue;
    if (total === m) return cand;
    const inp = rt.alloc(total * 8), out = rt.alloc(m * 8);
    try {
      new Int32Array(rt.memory.buffer, inp, 2 * total).set(cand);
      const [hi, lo] = splitSeed(seed);
      rt.kernels.select_items_u64(out, inp, total, m, hi, lo, stream + 1000 * attempt + 500);
      return new Int32Array(rt.memory.buffer, out, 2 * m).slice();
    } finally { rt.free(inp); rt.free(out); }
  }
}

function bernoulli(rt: Runtime, n1: number, n2: number, symmetric: boolean, p: number, seed: number, stream: number, exclude?: EntryPairs): EntryPairs {
  const [hi, lo] = splitSeed(seed);
  const row = rt.alloc(n2 * 4);
  let out = new Int32Array(Math.max(16, Math.ceil(2 * p * n1 * n2 * 1.05 + 64)));
  let len = 0, ex = 0;
  try {
    for (let u = 0; u < n1; u++) {
      const first = symmetric ? u : 0;
      const c = rt.kernels.bernoulli_row_i32(row, n2 - first, p, hi, lo, stream, u);
      const cols = new Int32Array(rt.memory.buffer, row, c);
      if (len + 2 * c > out.length) { const g = new Int32Array(Math.max(2 * out.length, len + 2 * c)); g.set(out.subarray(0, len)); out = g; }
      for (let q = 0; q < c; q++) {
        const v = cols[q] + first;
        if (exclude) {
          while (ex < exclude.length && (exclude[ex] < u || (exclude[ex] === u && exclude[ex + 1] < v))) ex += 2;
          if (ex < exclude.length && exclude[ex] === u && exclude[ex + 1] === v) continue;
        }
        out[len++] = u; out[len++] = v;
      }
    }
  } finally { rt.free(row); }
  return out.slice(0, len);
}
