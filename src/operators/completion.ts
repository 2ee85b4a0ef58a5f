/**
 * Matrix completion (docs/theory.md §10): the observed entries Ω = {(u_i, v_i)}, scaled so that
 * E[A*A] = I like the Gaussian operator (the same step-size defaults then apply):
 *
 *     A(Z)_i = Z[u_i, v_i] / √p,   r_i = ⟨F[u_i, :], G[v_i, :]⟩ / √p − y_i,
 *     (E G)[u] = Σ_{i: u_i = u} (r_i / √p) G[v_i, :],   (Eᵀ F)[v] = Σ_{i: v_i = v} (r_i / √p) F[u_i, :]
 *
 * with p the sampling probability (Bernoulli) or m / (n1·n2). A pass costs O(m·k) and never forms an n1 × n2 matrix:
 * one wasm kernel gathers F[u] and G[v], forms the residual and scatters its contributions while the rows are in
 * cache (Ω is sorted by u, so F's rows are reused). Ω is split over the placement's threads; each keeps its own partial
 * E·G and Eᵀ·F (no atomics), summed in a fixed order.
 *
 * Symmetric completion (the X Xᵀ model, a symmetric target) observes each pair u ≤ v once:
 * A_i = (e_u e_vᵀ + e_v e_uᵀ) / √(2p) for u < v and e_u e_uᵀ / √p on the diagonal, p = m / (n(n + 1)/2), so that
 * E[A*A] is the identity on symmetric matrices; every A_i is symmetric.
 */
import { ValidationError } from '../errors.js';
import { STREAM } from '../random.js';
import type { F64Buf, Runtime } from '../runtime.js';
import { createPlacement } from '../placement/create.js';
import { PRECISION_CODE } from '../kernels/programs.js';
import { LocalPlacement, type Placement, type PlacementOptions } from '../placement/placement.js';
import { cellCount, checkEntryCount, sampleEntries, sortEntries, type EntryCount, type EntryPairs } from './entries.js';
import { PlacedOperator, type FactorJobOptions, type FactorJobShape } from './placed.js';

/** Options of {@link CompletionOperator.sample}. */
export type CompletionSampleOptions = EntryCount & PlacementOptions & {
  n1: number;
  n2: number;
  /** Symmetric completion (pairs u ≤ v, symmetric A_i); needs n1 = n2. */
  symmetric?: boolean;
  seed?: number;
  stream?: number;
};

export class CompletionOperator extends PlacedOperator {
  readonly name: string;
  /** The sampling probability p of the scaling 1/√p. */
  readonly density: number;
  /** Weight of an off-diagonal entry (1/√p; symmetric: 1/√(2p)) and of a diagonal one of a symmetric operator (1/√p). */
  readonly w: number;
  readonly wd: number;

  private constructor(rt: Runtime, rows: Placement, m: number, n1: number, n2: number, symmetric: boolean, density: number) {
    super(rt, rows, m, n1, n2, symmetric);
    this.name = symmetric ? 'completion-sym' : 'completion';
    this.density = density;
    this.wd = 1 / Math.sqrt(density);
    this.w = symmetric ? 1 / Math.sqrt(2 * density) : this.wd;
  }

  /**
   * Completion recovers a rank-r incoherent matrix only from m ≳ C·r·n·log n entries (n = max(n1, n2)), more than
   * the r(n1 + n2 − r) degrees of freedom. Below ½·r(n1 + n2)·ln n it says so: measured on random rank-r targets
   * (n = 100, r = 3 and n = 300, r = 5, GD at k = r, three seeds each), recovery failed at 0.26–0.43 and succeeded from
   * 0.43–0.53 times r(n1 + n2)·ln n.
   */
  override sampleComplexityWarning(r: number): string | undefined {
    const n = Math.max(this.n1, this.n2, 2), need = Math.ceil(0.5 * r * (this.n1 + this.n2) * Math.log(n));
    if (this.m >= need) return undefined;
    return `matrix completion: m = ${this.m} observed entries < ½·r(n1 + n2)·ln n = ${need} (rank ${r}, ${this.n1} × ${this.n2}): ` +
      'completion needs m ≳ C·r·n·log n entries and an incoherent M*; with fewer, recovery usually fails — check the test error';
  }

  /** The row layout: one (u, v) pair of i32 per entry. */
  static readonly layout = { bytesPerRow: [8] };

  /**
   * Sampled entries: each cell with probability `density`, or exactly `m` cells without replacement; seeded, the
   * same for any thread count. On any placement (`threads`, `memory`).
   */
  static async sample(rt: Runtime, o: CompletionSampleOptions): Promise<CompletionOperator> {
    const { n1, n2, symmetric } = checkShape(o);
    const count = checkEntryCount('density' in o ? { density: o.density } : { m: (o as { m: number }).m }, cellCount(n1, n2, symmetric));
    const pairs = sampleEntries(rt, n1, n2, symmetric, count, o.seed ?? 0, o.stream ?? STREAM.operator);
    const density = 'density' in count ? count.density : pairs.length / 2 / cellCount(n1, n2, symmetric);
    return CompletionOperator.fromSortedPairs(rt, n1, n2, symmetric, pairs, density, o);
  }

  /** {@link sample} on the calling thread, synchronously. */
  static sampleLocal(rt: Runtime, o: CompletionSampleOptions): CompletionOperator {
    const { n1, n2, symmetric } = checkShape(o);
    if (o.threads !== undefined && o.threads !== 1) throw new ValidationError('sampleLocal runs on the calling thread: use sample() for threads');
    const count = checkEntryCount('density' in o ? { density: o.density } : { m: (o as { m: number }).m }, cellCount(n1, n2, symmetric));
    const pairs = sampleEntries(rt, n1, n2, symmetric, count, o.seed ?? 0, o.stream ?? STREAM.operator);
    const density = 'density' in count ? count.density : pairs.length / 2 / cellCount(n1, n2, symmetric);
    return CompletionOperator.fromSortedPairsLocal(rt, n1, n2, symmetric, pairs, density);
  }

  /**
   * Your entries (0-based rows and columns; checked, sorted — `perm` says where each went — and refused on duplicates).
   * `density` defaults to m / (n1·n2) (symmetric: m / (n(n + 1)/2)).
   */
  static async fromEntries(rt: Runtime, o: PlacementOptions & { n1: number; n2: number; rows: ArrayLike<number>; cols: ArrayLike<number>; symmetric?: boolean; density?: number }): Promise<{ op: CompletionOperator; perm: Int32Array }> {
    const { n1, n2, symmetric } = checkShape(o);
    const { pairs, perm } = sortEntries(n1, n2, o.rows, o.cols, symmetric);
    const density = checkDensity(o.density, pairs.length / 2, cellCount(n1, n2, symmetric));
    return { op: await CompletionOperator.fromSortedPairs(rt, n1, n2, symmetric, pairs, density, o), perm };
  }

  /** {@link fromEntries} on the calling thread, synchronously. */
  static fromEntriesLocal(rt: Runtime, o: { n1: number; n2: number; rows: ArrayLike<number>; cols: ArrayLike<number>; symmetric?: boolean; density?: number }): { op: CompletionOperator; perm: Int32Array } {
    const { n1, n2, symmetric } = checkShape(o);
    const { pairs, perm } = sortEntries(n1, n2, o.rows, o.cols, symmetric);
    const density = checkDensity(o.density, pairs.length / 2, cellCount(n1, n2, symmetric));
    return { op: CompletionOperator.fromSortedPairsLocal(rt, n1, n2, symmetric, pairs, density), perm };
  }

  /** From entries already sorted and checked ({@link sortEntries}, {@link sampleEntries}), on a placement. */
  static async fromSortedPairs(rt: Runtime, n1: number, n2: number, symmetric: boolean, pairs: EntryPairs, density: number, o: PlacementOptions): Promise<CompletionOperator> {
    const rows = await createPlacement(rt, pairs.length / 2, CompletionOperator.layout, { threads: o.threads, memory: o.memory }, [pairs]);
    return new CompletionOperator(rt, rows, pairs.length / 2, n1, n2, symmetric, density);
  }

  /** {@link fromSortedPairs} on the calling thread. */
  static fromSortedPairsLocal(rt: Runtime, n1: number, n2: number, symmetric: boolean, pairs: EntryPairs, density: number): CompletionOperator {
    return new CompletionOperator(rt, new LocalPlacement(rt, pairs.length / 2, CompletionOperator.layout, [pairs]), pairs.length / 2, n1, n2, symmetric, density);
  }

  /** The entries in the runtime's memory (local and shared placements): [u0, v0, u1, v1, …], sorted. */
  entries(): Int32Array | undefined {
    const p = this.rows.rowPointers()?.[0];
    return p === undefined ? undefined : new Int32Array(this.rt.memory.buffer, p, 2 * this.m).slice();
  }

  jobShape(o: FactorJobOptions): FactorJobShape {
    const { n1, n2 } = this, k = o.k;
    return {
      program: 'completion.pass',
      params: [n1, n2, k, this.w, this.wd, this.seesOnlySymmetric ? 1 : 0, o.wantEG ? 1 : 0, o.wantEtF ? 1 : 0, o.given ? 1 : 0, PRECISION_CODE[o.precision],
        o.symModel ? 1 : 0],
      inputLen: (n1 + n2) * k,
      partialLen: (n1 + n2) * k + 1,
    };
  }

  fillInput(F: F64Buf, G: F64Buf, k: number, _symModel: boolean, input: F64Buf): void {
    const a = input.a;
    a.set(F.a, 0);
    a.set(G.a, this.n1 * k);
  }

  readOutput(partial: F64Buf, k: number, EG: F64Buf | undefined, EtF: F64Buf | undefined): number {
    const a = partial.a, n1k = this.n1 * k, n2k = this.n2 * k;
    if (EG) EG.a.set(a.subarray(0, n1k));
    if (EtF) EtF.a.set(a.subarray(n1k, n1k + n2k));
    return a[n1k + n2k];
  }
}

function checkShape(o: { n1: number; n2: number; symmetric?: boolean }): { n1: number; n2: number; symmetric: boolean } {
  if (o === null || typeof o !== 'object') throw new ValidationError('completion options must be an object');
  for (const k of ['n1', 'n2'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new ValidationError(`${k} must be a positive integer, got ${String(o[k])}`);
  }
  if (o.n1 * o.n2 > 2 ** 31) throw new ValidationError(`completion indices are 32-bit: n1 · n2 = ${o.n1 * o.n2} is too large`);
  const symmetric = o.symmetric ?? false;
  if (typeof symmetric !== 'boolean') throw new ValidationError(`symmetric must be a boolean, got ${String(symmetric)}`);
  if (symmetric && o.n1 !== o.n2) throw new ValidationError(`symmetric completion needs n1 = n2, got ${o.n1} × ${o.n2}`);
  return { n1: o.n1, n2: o.n2, symmetric };
}

function checkDensity(density: number | undefined, m: number, cells: number): number {
  if (density === undefined) return m / cells;
  if (typeof density !== 'number' || !(density > 0 && density <= 1)) throw new ValidationError(`density must be in (0, 1], got ${String(density)}`);
  return density;
}
