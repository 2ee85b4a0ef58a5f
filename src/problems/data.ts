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
