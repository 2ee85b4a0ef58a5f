/** The seeded problem generator (docs/theory.md, conventions). */
import { OutOfMemoryError, ValidationError, formatBytes } from '../errors.js';
import { qrThin } from '../linalg/qr.js';
import { DenseOperator } from '../operators/dense.js';
import { IdentityOperator } from '../operators/identity.js';
import type { MeasurementOperator } from '../operators/operator.js';
import type { PlacementOptions } from '../placement/placement.js';
import { STREAM, gaussian, splitSeed } from '../random.js';
import { Runtime, type F64Buf } from '../runtime.js';
import { finiteNumber, nonNegativeInt, positiveInt } from '../validate.js';
import { Problem, ownedResources } from './problem.js';

/** Options of {@link createProblem}. */
export interface ProblemOptions {
  n1: number;
  /** Columns; defaults to n1 (and must equal n1 when `symmetric`). */
  n2?: number;
  /** Rank of M*. */
  r: number;
  /** Number of measurements (ignored by the identity operator, where m = n1·n2). */
  m?: number;
  /** Condition number σ1/σr ≥ 1 (σ1 = 1). Default 1. */
  kappa?: number;
  /** How σ runs from 1 to 1/κ. Default 'linear'. */
  spectrum?: 'linear' | 'geometric';
  /** Symmetric PSD target M* = U diag(σ) Uᵀ (the X Xᵀ model applies); the Gaussian operator is then symmetric too. Default false. */
  symmetric?: boolean;
  /** Standard deviation of Gaussian measurement noise. Default 0. */
  noise?: number;
  /** Seed of every random draw. Default 0. */
  seed?: number;
  /** Held-out test measurements (same distribution, independent operator). Default 0 = none. */
  mTest?: number;
  /** 'gaussian' (dense, iid N(0, 1/m)) or 'identity' (population: A*A = I). Default 'gaussian'. */
  operator?: 'gaussian' | 'identity';
}

/** Validate generator options and fill defaults, without allocating anything. */
export function normalizeProblemOptions(o: ProblemOptions): Required<ProblemOptions> {
  if (o === null || typeof o !== 'object') throw new ValidationError('problem options must be an object');
  const n1 = positiveInt('n1', o.n1);
  const n2 = positiveInt('n2', o.n2 ?? n1);
  const r = positiveInt('r', o.r);
  const operator = o.operator ?? 'gaussian';
  if (operator !== 'gaussian' && operator !== 'identity') throw new ValidationError(`operator must be 'gaussian' or 'identity', got ${String(operator)}`);
  const m = operator === 'identity' ? n1 * n2 : positiveInt('m', o.m);
  if (r > Math.min(n1, n2)) throw new ValidationError(`r = ${r} exceeds min(n1, n2) = ${Math.min(n1, n2)}`);
  const symmetric = o.symmetric ?? false;
  if (typeof symmetric !== 'boolean') throw new ValidationError(`symmetric must be a boolean, got ${String(symmetric)}`);
  if (symmetric && n1 !== n2) throw new ValidationError(`a symmetric problem needs n1 = n2, got ${n1} × ${n2}`);
  const kappa = finiteNumber('kappa', o.kappa ?? 1, { min: 1 });
  const spectrum = o.spectrum ?? 'linear';
  if (spectrum !== 'linear' && spectrum !== 'geometric') throw new ValidationError(`spectrum must be 'linear' or 'geometric', got ${String(spectrum)}`);
  const noise = finiteNumber('noise', o.noise ?? 0, { min: 0 });
  const seed = o.seed ?? 0;
  splitSeed(seed);
  const mTest = nonNegativeInt('mTest', o.mTest ?? 0);
  return { n1, n2, r, m, kappa, spectrum, symmetric, noise, seed, mTest, operator };
}

/** Bytes a problem with these options holds in wasm memory. */
export function problemBytes(o: Required<ProblemOptions>): number {
  const N = o.n1 * o.n2;
  const blk = Runtime.blockBytes;
  const opBytes = o.operator === 'gaussian' ? blk(DenseOperator.bytesFor(o.m, o.n1, o.n2)) : 0;
  const testBytes = o.mTest > 0 ? blk(DenseOperator.bytesFor(o.mTest, o.n1, o.n2)) + blk(o.mTest * 8) : 0;
  return opBytes + testBytes + blk(o.m * 8) + blk(N * 8);
}

/** The singular values σ_1..σ_r: from 1 down to 1/κ, linearly or geometrically spaced. */
export function spectrumValues(r: number, kappa: number, spacing: 'linear' | 'geometric'): Float64Array {
  const s = new Float64Array(r);
  for (let i = 0; i < r; i++) {
    const t = r === 1 ? 0 : i / (r - 1);
    s[i] = spacing === 'linear' ? 1 - (1 - 1 / kappa) * t : Math.pow(kappa, -t);
  }
  return s;
}

/**
 * Generate a problem: M* = U* diag(σ) V*ᵀ with U*, V* from the QR of Gaussian matrices (signs fixed), V* = U* when
 * symmetric; y = A(M*) + noise. Every size is validated and the memory need is checked against what the runtime can
 * still hold before anything is allocated. The operator's rows are in the runtime's memory, processed by the calling
 * thread; for threads see {@link createProblemParallel}.
 */
export function createProblem(rt: Runtime, options: ProblemOptions): Problem {
  const steps = buildProblem(rt, options, true);
  let s = steps.next();
  while (!s.done) {
    const req = s.value;
    try {
      if (req.kind === 'operator') req.op = req.o.operator === 'identity' ? new IdentityOperator(req.o.n1, req.o.n2) : DenseOperator.gaussian(rt, gaussianOf(req.o));
      else req.op!.apply(req.M.a, req.y.a);
    } catch (e) { steps.throw(e); }
    s = steps.next();
  }
  return s.value;
}

/**
 * {@link createProblem} with the operator's rows on a placement: `threads` and `memory` (see `PlacementOptions`).
 * The same seed gives the same operator bits, M* and y for any thread count and placement. `problem.dispose()` stops
 * the workers. For shared memory pass a runtime created with `{ shared: true }`; where SharedArrayBuffer does not
 * exist, or on a browser page's main thread, the workers exchange vectors by message (asynchronous passes).
 */
export async function createProblemParallel(rt: Runtime, options: ProblemOptions & PlacementOptions): Promise<Problem> {
  if (options === null || typeof options !== 'object') throw new ValidationError('problem options must be an object');
  const { threads, memory, ...problemOptions } = options;
  const steps = buildProblem(rt, problemOptions, false);
  let s = steps.next();
  while (!s.done) {
    const req = s.value;
    try {
      if (req.kind === 'operator') {
        req.op = req.o.operator === 'identity'
          ? new IdentityOperator(req.o.n1, req.o.n2)
          : await DenseOperator.create(rt, { ...gaussianOf(req.o), threads, memory });
      } else {
        await req.op!.applyAsync(req.M.a, req.y.a);
      }
    } catch (e) { steps.throw(e); }
    s = steps.next();
  }
  const p = s.value;
  try {
    await p.backProjectionAsync();
  } catch (e) { p.dispose(); throw e; }
  return p;
}

function gaussianOf(o: Required<ProblemOptions>) {
  return { m: o.m, n1: o.n1, n2: o.n2, symmetric: o.symmetric, seed: o.seed, stream: STREAM.operator };
}

/** What the problem builder asks its driver for: the operator, then each measurement y = A(M). */
type BuildRequest = { kind: 'operator'; o: Required<ProblemOptions>; op?: MeasurementOperator } | { kind: 'measure'; op?: MeasurementOperator; M: F64Buf; y: F64Buf };

/**
 * The problem generator as a coroutine: it yields the operator to build and each measurement y = A(M) to take
 * (synchronously in {@link createProblem}, awaited in {@link createProblemParallel}), and frees what it allocated
 * if the driver throws.
 */
function* buildProblem(rt: Runtime, options: ProblemOptions, operatorInRuntime: boolean): Generator<BuildRequest, Problem, undefined> {
  const o = normalizeProblemOptions(options);
  // a placement checks its own rows: they may live in workers' memories
  const need = problemBytes(o) - (operatorInRuntime || o.operator !== 'gaussian' ? 0 : Runtime.blockBytes(DenseOperator.bytesFor(o.m, o.n1, o.n2)));
  if (need > rt.available()) {
    throw new OutOfMemoryError(
      `the problem needs ${formatBytes(need)} of wasm memory (operator: m · n1 · n2 · 4 B = ${o.m} · ${o.n1} · ${o.n2} · 4 B) ` +
        `but the runtime can hold only ${formatBytes(rt.available())} more (wasm32 limit 4 GiB). Use fewer measurements, or ` +
        `threads with memory: 'private' (createProblemParallel, or --threads N on the command line), which splits the operator over per-worker memories.`,
      need, rt.available());
  }
  const { n1, n2, r, m } = o;
  const N = n1 * n2;
  const sigma = spectrumValues(r, o.kappa, o.spectrum);
  const U = qrThin(gaussian(rt, n1 * r, 1, o.seed, STREAM.Ustar), n1, r).Q;
  const V = o.symmetric ? U : qrThin(gaussian(rt, n2 * r, 1, o.seed, STREAM.Vstar), n2, r).Q;
  const owned = ownedResources();
  try {
    const Mstar = owned.add(rt.f64(N, 0));
    const M = Mstar.a;
    for (let a = 0; a < n1; a++) for (let b = 0; b < n2; b++) {
      let s = 0;
      for (let q = 0; q < r; q++) s += U[a * r + q] * sigma[q] * V[b * r + q];
      M[a * n2 + b] = s;
    }
    const opReq: BuildRequest = { kind: 'operator', o };
    yield opReq;
    const op = owned.add(opReq.op!);
    const y = owned.add(rt.f64(m));
    yield { kind: 'measure', op, M: Mstar, y };
    addNoise(y, o.noise, rt, o.seed, STREAM.noise);
    let test: Problem['test'];
    if (o.mTest > 0) {
      const tOp = owned.add(DenseOperator.gaussian(rt, { m: o.mTest, n1, n2, symmetric: o.symmetric, seed: o.seed, stream: STREAM.testOperator }));
      const ty = owned.add(rt.f64(o.mTest));
      yield { kind: 'measure', op: tOp, M: Mstar, y: ty };
      addNoise(ty, o.noise, rt, o.seed, STREAM.testNoise);
      test = { op: tOp, y: ty };
    }
    return new Problem({ n1, n2, m, r, symmetric: o.symmetric, op, y, Mstar, Ustar: U, Vstar: V, sigma, test, seed: o.seed }, owned.release);
  } catch (e) {
    owned.release();
    throw e;
  }
}

/** y += noise · N(0, 1). */
function addNoise(y: F64Buf, noise: number, rt: Runtime, seed: number, stream: number): void {
  if (noise > 0) {
    const z = gaussian(rt, y.length, noise, seed, stream);
    const ya = y.a;
    for (let i = 0; i < ya.length; i++) ya[i] += z[i];
  }
}
