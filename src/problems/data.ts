/** Bring-your-own data: an operator matrix, measurements, and optionally the truth and test measurements. */
import { OutOfMemoryError, ValidationError, formatBytes } from '../errors.js';
import { CompletionOperator } from '../operators/completion.js';
import { topKSvdDense } from '../linalg/topk.js';
import { DenseOperator } from '../operators/dense.js';
import { sortEntries } from '../operators/entries.js';
import type { MeasurementOperator } from '../operators/operator.js';
import type { PlacementOptions } from '../placement/placement.js';
import { Runtime } from '../runtime.js';
import { checkKeys, finiteArray, positiveInt } from '../validate.js';
import { Problem, ownedResources } from './problem.js';

/** Arrays of a problem you already have (e.g. from NumPy). Row i of `A` is vec(A_i), row-major. */
export interface ProblemData {
  n1: number;
  n2: number;
  /** Operator matrix, m × (n1·n2) row-major. Stored as f32. */
  A: Float32Array | Float64Array;
  /** Measurements, length m. */
  y: Float64Array | Float32Array;
  /** Ground truth (n1 × n2), optional: enables the relative-error diagnostic. */
  Mstar?: Float64Array | Float32Array;
  /** Rank of the truth, if known (used for the degrees-of-freedom check). */
  r?: number;
  /** Held-out operator (mTest × n1·n2) and measurements, optional. */
  Atest?: Float32Array | Float64Array;
  ytest?: Float64Array | Float32Array;
  /** Treat the problem as symmetric PSD; 'auto' (default) checks whether every A_i is symmetric. */
  symmetric?: boolean | 'auto';
}

/** Build a {@link Problem} from arrays. Everything is validated (sizes, finiteness) before any allocation. */
export function problemFromData(rt: Runtime, d: ProblemData): Problem {
  const dims = checkProblemData(d);
  const need = Runtime.blockBytes(dims.m * dims.N * 4) + dataBytes(dims);
  if (need > rt.available()) throw new OutOfMemoryError(`the problem needs ${formatBytes(need)} of wasm memory, only ${formatBytes(rt.available())} is available`, need, rt.available());
  return assemble(rt, d, dims, DenseOperator.fromArray(rt, d.A, dims.m, d.n1, d.n2, d.symmetric ?? 'auto'));
}

/**
 * {@link problemFromData} with the operator's rows on a placement: `threads` and `memory` (see `PlacementOptions`):
 * shared memory (a runtime created with `{ shared: true }`), private memories (A may exceed 4 GiB), or workers that
 * exchange vectors by message (the default where SharedArrayBuffer does not exist or the thread may not block).
 * `problem.dispose()` stops the workers.
 */
export async function problemFromDataParallel(rt: Runtime, d: ProblemData, o: PlacementOptions = {}): Promise<Problem> {
  checkKeys('placement options', o, ['threads', 'memory']);
  const dims = checkProblemData(d);
  const need = dataBytes(dims);
  if (need > rt.available()) throw new OutOfMemoryError(`the problem needs ${formatBytes(need)} of wasm memory, only ${formatBytes(rt.available())} is available`, need, rt.available());
  const op = await DenseOperator.create(rt, { m: dims.m, n1: d.n1, n2: d.n2, data: d.A, symmetric: d.symmetric ?? 'auto', threads: o.threads, memory: o.memory });
  const p = assemble(rt, d, dims, op);
  try {
    await p.backProjectionAsync();
  } catch (e) { p.dispose(); throw e; }
  return p;
}

interface DataDims { N: number; m: number; mTest: number }

/** Validate sizes and finiteness of everything but the operator matrix's entries (its operator checks those). */
function checkProblemData(d: ProblemData): DataDims {
  if (d === null || typeof d !== 'object') throw new ValidationError('problem data must be an object');
  checkKeys('problem data', d, ['n1', 'n2', 'A', 'y', 'Mstar', 'r', 'Atest', 'ytest', 'symmetric']);
  const n1 = positiveInt('n1', d.n1), n2 = positiveInt('n2', d.n2);
  const N = n1 * n2;
  if (!(d.A instanceof Float32Array || d.A instanceof Float64Array)) throw new ValidationError('A must be a Float32Array or Float64Array');
  if (d.A.length === 0 || d.A.length % N !== 0) throw new ValidationError(`A has ${d.A.length} entries, which is not a positive multiple of n1 · n2 = ${N}`);
  const m = d.A.length / N;
  finiteArray('y', d.y, m);
  if (d.Mstar !== undefined) finiteArray('Mstar', d.Mstar, N);
  if (d.r !== undefined && positiveInt('r', d.r) > Math.min(n1, n2)) throw new ValidationError(`r = ${d.r} exceeds min(n1, n2) = ${Math.min(n1, n2)}`);
  if (d.symmetric !== undefined && d.symmetric !== 'auto' && typeof d.symmetric !== 'boolean') throw new ValidationError(`symmetric must be true, false or 'auto', got ${String(d.symmetric)}`);
  if ((d.Atest === undefined) !== (d.ytest === undefined)) throw new ValidationError('Atest and ytest must be given together');
  let mTest = 0;
  if (d.Atest !== undefined) {
    if (d.Atest.length === 0 || d.Atest.length % N !== 0) throw new ValidationError(`Atest has ${d.Atest.length} entries, not a positive multiple of n1 · n2 = ${N}`);
    mTest = d.Atest.length / N;
    finiteArray('ytest', d.ytest, mTest);
  }
  return { N, m, mTest };
}

/** Runtime bytes of everything but the operator: y, M*, test data. */
function dataBytes({ N, m, mTest }: DataDims): number {
  const blk = Runtime.blockBytes;
  return blk(m * 8) + blk(N * 8) + (mTest ? blk(mTest * N * 4) + blk(mTest * 8) : 0);
}

/** The problem around an operator built from `d.A` (owned by the problem from here on). */
function assemble(rt: Runtime, d: ProblemData, { N, m, mTest }: DataDims, op: MeasurementOperator): Problem {
  const { n1, n2 } = d;
  const owned = ownedResources();
  owned.add(op);
  try {
    const y = owned.add(rt.f64(m).set(d.y));
    let Mstar;
    if (d.Mstar) {
      Mstar = owned.add(rt.f64(N).set(d.Mstar));
      if (op.seesOnlySymmetric && !isSymmetric(Mstar.a, n1)) throw new ValidationError('the operator is symmetric but Mstar is not');
    }
    let test: Problem['test'];
    if (d.Atest && d.ytest) {
      const tOp = owned.add(DenseOperator.fromArray(rt, d.Atest, mTest, n1, n2, op.seesOnlySymmetric ? 'auto' : false));
      const ty = owned.add(rt.f64(mTest).set(d.ytest));
      test = { op: tOp, y: ty };
    }
    const truth = Mstar ? truthFactors(Mstar.a, n1, n2, d.r) : undefined;
    return new Problem({ n1, n2, m, r: d.r ?? truth?.sigma.length, symmetric: op.seesOnlySymmetric, op, y, Mstar, test,
      Ustar: truth?.U, Vstar: truth?.V, sigma: truth?.sigma }, owned.release);
  } catch (e) {
    owned.release();
    throw e;
  }
}

/**
 * A given M* as factors U* diag(σ) V*ᵀ (what the spectral diagnostics and the phase estimates need): its top-r
 * singular triplets, r given, or its numerical rank (singular values above 1e-9·σ1) when that is at most 64 — above
 * that, undefined (the phases are about low-rank targets).
 */
function truthFactors(M: Float64Array, n1: number, n2: number, r?: number): { U: Float64Array; sigma: Float64Array; V: Float64Array } | undefined {
  const kmax = Math.min(n1, n2), want = Math.min(kmax, r ?? 64);
  const { U, s, V } = topKSvdDense(Float64Array.from(M), n1, n2, want, { iters: 12, seed: 1 });
  let rank = r ?? 0;
  if (r === undefined) {
    while (rank < want && s[rank]! > 1e-9 * s[0]!) rank++;
    if (rank === 0 || (rank === want && want < kmax)) return undefined;
  }
  const cut = (A: Float64Array, n: number) => { const out = new Float64Array(n * rank); for (let a = 0; a < n; a++) for (let j = 0; j < rank; j++) out[a * rank + j] = A[a * want + j]!; return out; };
  return { U: cut(U, n1), sigma: s.slice(0, rank), V: cut(V, n2) };
}

function isSymmetric(a: ArrayLike<number>, n: number): boolean {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (Math.abs(a[i * n + j] - a[j * n + i]) > 1e-12 * (Math.abs(a[i * n + j]) + 1)) return false;
  return true;
}

/** A problem around an operator you made yourself (any {@link MeasurementOperator}, e.g. a matrix-free one). */
export interface OperatorProblemData {
  /** The operator; the problem takes it over (disposing the problem disposes it). */
  op: MeasurementOperator;
  /** Measurements, length m. */
  y: Float64Array | Float32Array;
  /** Rank of the truth, if known (the degrees-of-freedom warnings). */
  r?: number;
  /** The truth as a dense n1 × n2 matrix, if known (relative errors). */
  Mstar?: Float64Array | Float32Array;
  /** Or the truth as factors M* = U diag(σ) Vᵀ (U: n1 × r, V: n2 × r, orthonormal columns): relative errors without forming M*. */
  truth?: { U: Float64Array; sigma: Float64Array; V: Float64Array };
  /** Held-out measurements: another operator (taken over too) and its measurements. */
  test?: { op: MeasurementOperator; y: Float64Array | Float32Array };
  /** The target is symmetric PSD, so the X Xᵀ model applies. Default: whether the operator sees only symmetric matrices. */
  symmetric?: boolean;
}

/** Build a {@link Problem} around your own operator. Everything is validated before anything is allocated. */
export function problemFromOperator(rt: Runtime, d: OperatorProblemData): Problem {
  if (d === null || typeof d !== 'object') throw new ValidationError('problem data must be an object');
  checkKeys('problem data', d, ['op', 'y', 'r', 'Mstar', 'truth', 'test', 'symmetric']);
  const op = d.op;
  if (!op || typeof op.workspace !== 'function' || typeof op.checkLive !== 'function') throw new ValidationError('op must be a MeasurementOperator');
  op.checkLive();
  const { m, n1, n2 } = op;
  finiteArray('y', d.y, m);
  if (d.r !== undefined && positiveInt('r', d.r) > Math.min(n1, n2)) throw new ValidationError(`r = ${d.r} exceeds min(n1, n2) = ${Math.min(n1, n2)}`);
  if (d.Mstar !== undefined) finiteArray('Mstar', d.Mstar, n1 * n2);
  let r = d.r;
  if (d.truth !== undefined) {
    const { U, sigma, V } = d.truth ?? ({} as never);
    if (!(sigma instanceof Float64Array) || sigma.length < 1) throw new ValidationError('truth.sigma must be a non-empty Float64Array');
    const q = sigma.length;
    finiteArray('truth.U', U, n1 * q); finiteArray('truth.V', V, n2 * q); finiteArray('truth.sigma', sigma, q);
    if (r !== undefined && r !== q) throw new ValidationError(`r = ${r} but truth.sigma has ${q} values`);
    r = q;
  }
  if (d.test !== undefined) {
    const t = d.test;
    if (!t || !t.op || typeof t.op.workspace !== 'function') throw new ValidationError('test.op must be a MeasurementOperator');
    if (t.op.n1 !== n1 || t.op.n2 !== n2) throw new ValidationError(`test.op is ${t.op.n1} × ${t.op.n2}, the operator ${n1} × ${n2}`);
    finiteArray('test.y', t.y, t.op.m);
  }
  const symmetric = d.symmetric ?? op.seesOnlySymmetric;
  if (typeof symmetric !== 'boolean') throw new ValidationError(`symmetric must be a boolean, got ${String(symmetric)}`);
  if (symmetric && n1 !== n2) throw new ValidationError(`a symmetric problem needs n1 = n2, got ${n1} × ${n2}`);
  const blk = Runtime.blockBytes;
  const need = blk(m * 8) + (d.Mstar ? blk(n1 * n2 * 8) : 0) + (d.test ? blk(d.test.op.m * 8) : 0);
  if (need > rt.available()) throw new OutOfMemoryError(`the problem needs ${formatBytes(need)} of wasm memory, only ${formatBytes(rt.available())} is available`, need, rt.available());
  const owned = ownedResources();
  owned.add(op);
  try {
    const y = owned.add(rt.f64(m).set(d.y));
    const Mstar = d.Mstar ? owned.add(rt.f64(n1 * n2).set(d.Mstar)) : undefined;
    let test: Problem['test'];
    if (d.test) test = { op: owned.add(d.test.op), y: owned.add(rt.f64(d.test.op.m).set(d.test.y)) };
    return new Problem({
      n1, n2, m, r, symmetric, op, y, Mstar, test,
      Ustar: d.truth?.U.slice(), Vstar: d.truth?.V.slice(), sigma: d.truth?.sigma.slice(),
    }, owned.release);
  } catch (e) {
    owned.release();
    throw e;
  }
}

/** Observed entries of a matrix (matrix completion data), 0-based. */
export interface EntryData {
  n1: number;
  n2: number;
  rows: ArrayLike<number>;
  cols: ArrayLike<number>;
  /** The observed values M[rows[i], cols[i]]. */
  vals: ArrayLike<number>;
  /** Symmetric PSD target: each pair (u, v) / (v, u) is one cell (the X Xᵀ model applies). Default false. */
  symmetric?: boolean;
  /** The sampling probability of the 1/√p scaling. Default: the observed fraction of the cells. */
  density?: number;
  /** Rank of the truth, if known (the sample-complexity and degrees-of-freedom warnings). */
  r?: number;
  /** The truth as factors, if known (relative errors). */
  truth?: { U: Float64Array; sigma: Float64Array; V: Float64Array };
  /** Held-out entries for the test error. */
  test?: { rows: ArrayLike<number>; cols: ArrayLike<number>; vals: ArrayLike<number> };
}

/**
 * A matrix-completion problem from observed entries (e.g. ratings): the entries are checked (indices in range, no
 * duplicates, finite values) and sorted, and the measurements scaled like the operator (y_i = ⟨A_i, M⟩: the value
 * over √p; a symmetric off-diagonal pair counts both of its cells). On any placement (`threads`, `memory`).
 */
export async function problemFromEntries(rt: Runtime, d: EntryData, o: PlacementOptions = {}): Promise<Problem> {
  checkKeys('placement options', o, ['threads', 'memory']);
  const prep = prepareEntries(d);
  const { op, perm } = await CompletionOperator.fromEntries(rt, { n1: d.n1, n2: d.n2, rows: d.rows, cols: d.cols, symmetric: prep.symmetric, density: d.density, threads: o.threads, memory: o.memory });
  return finishEntries(rt, d, prep, op, perm, async (p) => { await p.backProjectionAsync(); });
}

/** {@link problemFromEntries} on the calling thread, synchronously. */
export function problemFromEntriesLocal(rt: Runtime, d: EntryData): Problem {
  const prep = prepareEntries(d);
  const { op, perm } = CompletionOperator.fromEntriesLocal(rt, { n1: d.n1, n2: d.n2, rows: d.rows, cols: d.cols, symmetric: prep.symmetric, density: d.density });
  return finishEntries(rt, d, prep, op, perm, () => undefined) as Problem;
}

function prepareEntries(d: EntryData): { symmetric: boolean } {
  if (d === null || typeof d !== 'object') throw new ValidationError('entry data must be an object');
  checkKeys('entry data', d, ['n1', 'n2', 'rows', 'cols', 'vals', 'symmetric', 'density', 'r', 'truth', 'test']);
  if (d.test !== undefined) checkKeys('entry data: test', d.test, ['rows', 'cols', 'vals']);
  if (d.truth !== undefined) checkKeys('entry data: truth', d.truth, ['U', 'sigma', 'V']);
  const symmetric = d.symmetric ?? false;
  if (typeof symmetric !== 'boolean') throw new ValidationError(`symmetric must be a boolean, got ${String(symmetric)}`);
  const check = (what: string, vals: ArrayLike<number>, rows: ArrayLike<number>) => {
    if (!vals || typeof vals.length !== 'number') throw new ValidationError(`${what}vals must be an array of numbers`);
    if (vals.length !== rows.length) throw new ValidationError(`${what}vals has ${vals.length} entries but ${what}rows has ${rows.length}`);
    for (let i = 0; i < vals.length; i++) if (!Number.isFinite(vals[i])) throw new ValidationError(`${what}vals[${i}] is ${vals[i]}: every value must be finite`);
  };
  check('', d.vals, d.rows ?? []);
  if (d.test) {
    check('test.', d.test.vals, d.test.rows ?? []);
    sortEntries(d.n1, d.n2, d.test.rows, d.test.cols, symmetric); // checked before anything is allocated
  }
  return { symmetric };
}

function finishEntries(rt: Runtime, d: EntryData, prep: { symmetric: boolean }, op: CompletionOperator, perm: Int32Array, after: (p: Problem) => Promise<void> | void): Problem | Promise<Problem> {
  const measured = (o: CompletionOperator, vals: ArrayLike<number>, order: Int32Array, rows: ArrayLike<number>, cols: ArrayLike<number>) => {
    const y = new Float64Array(o.m);
    for (let i = 0; i < o.m; i++) {
      const j = order[i], diag = rows[j] === cols[j];
      y[i] = vals[j] * (!prep.symmetric || diag ? o.wd : 2 * o.w);
    }
    return y;
  };
  let test: { op: MeasurementOperator; y: Float64Array } | undefined;
  let p: Problem;
  try {
    if (d.test) {
      const t = CompletionOperator.fromEntriesLocal(rt, { n1: d.n1, n2: d.n2, rows: d.test.rows, cols: d.test.cols, symmetric: prep.symmetric });
      test = { op: t.op, y: measured(t.op, d.test.vals, t.perm, d.test.rows, d.test.cols) };
    }
    p = problemFromOperator(rt, { op, y: measured(op, d.vals, perm, d.rows, d.cols), r: d.r, truth: d.truth, test, symmetric: prep.symmetric });
  } catch (e) {
    test?.op.dispose();
    op.dispose();
    throw e;
  }
  const done = after(p);
  if (done instanceof Promise) return done.then(() => p, (e) => { p.dispose(); throw e; });
  return p;
}
