/** Bring-your-own data: an operator matrix, measurements, and optionally the truth and test measurements. */
import { OutOfMemoryError, ValidationError, formatBytes } from '../errors.js';
import { DenseOperator } from '../operators/dense.js';
import type { MeasurementOperator } from '../operators/operator.js';
import type { PlacementOptions } from '../placement/placement.js';
import { Runtime } from '../runtime.js';
import { finiteArray, positiveInt } from '../validate.js';
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
    return new Problem({ n1, n2, m, r: d.r, symmetric: op.seesOnlySymmetric, op, y, Mstar, test }, owned.release);
  } catch (e) {
    owned.release();
    throw e;
  }
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
