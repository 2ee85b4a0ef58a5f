/** The seeded problem generator (docs/theory.md §2). */
import { OutOfMemoryError, ValidationError, formatBytes } from '../errors.js';
import { qrThin } from '../linalg/qr.js';
import { CompletionOperator } from '../operators/completion.js';
import { DenseOperator } from '../operators/dense.js';
import { cellCount, checkEntryCount, sampleEntries, type EntryPairs } from '../operators/entries.js';
import { IdentityOperator } from '../operators/identity.js';
import type { MeasurementOperator } from '../operators/operator.js';
import { RankOneOperator } from '../operators/rank-one.js';
import type { PlacementOptions } from '../placement/placement.js';
import { STREAM, gaussian, splitSeed } from '../random.js';
import { Runtime, type F64Buf } from '../runtime.js';
import { checkKeys, finiteNumber, nonNegativeInt, positiveInt } from '../validate.js';
import { Problem, ownedResources } from './problem.js';

/** Options of {@link createProblem}. */
export interface ProblemOptions {
  n1: number;
  /** Columns; defaults to n1 (and must equal n1 when `symmetric`). */
  n2?: number;
  /** Rank of M*. */
  r: number;
  /**
   * Number of measurements (ignored by the identity operator, where m = n1·n2). Matrix completion: exactly m observed
   * entries, drawn uniformly without replacement (or give `density`).
   */
  m?: number;
  /** Matrix completion: observe each entry with this probability (Bernoulli) instead of exactly m entries. */
  density?: number;
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
  /**
   * Held-out test measurements (same distribution, independent operator; matrix completion: mTest entries disjoint
   * from the observed ones). Default 0 = none.
   */
  mTest?: number;
  /**
   * 'gaussian' (dense, iid N(0, 1/m)), 'identity' (population: A*A = I), 'completion' (observed entries, scaled
   * 1/√p) or 'rank-one' (A_i = a_i b_iᵀ, or a_i a_iᵀ when symmetric). Default 'gaussian'. The structured operators
   * never form an n1 × n2 matrix: the truth is kept as its factors U*, σ, V* (no dense M*).
   */
  operator?: ProblemOperator;
}

/** Operators a problem can be generated with. */
export type ProblemOperator = 'gaussian' | 'identity' | 'completion' | 'rank-one';
const OPERATOR_NAMES: readonly ProblemOperator[] = ['gaussian', 'identity', 'completion', 'rank-one'];

/** The normalized options (every field filled; `density` 0 when m is exact). */
export type NormalizedProblemOptions = Required<ProblemOptions>;

/** Validate generator options and fill defaults, without allocating anything. */
/** Every key of {@link ProblemOptions}. */
const PROBLEM_KEYS = ['n1', 'n2', 'r', 'm', 'density', 'kappa', 'spectrum', 'symmetric', 'noise', 'seed', 'mTest', 'operator'] as const;

export function normalizeProblemOptions(o: ProblemOptions): NormalizedProblemOptions {
  if (o === null || typeof o !== 'object') throw new ValidationError('problem options must be an object');
  checkKeys('problem options', o, PROBLEM_KEYS);
  const n1 = positiveInt('n1', o.n1);
  const n2 = positiveInt('n2', o.n2 ?? n1);
  const r = positiveInt('r', o.r);
  const operator = o.operator ?? 'gaussian';
  if (!OPERATOR_NAMES.includes(operator)) throw new ValidationError(`operator must be ${OPERATOR_NAMES.map((x) => `'${x}'`).join(', ')}, got ${String(operator)}`);
  if (r > Math.min(n1, n2)) throw new ValidationError(`r = ${r} exceeds min(n1, n2) = ${Math.min(n1, n2)}`);
  const symmetric = o.symmetric ?? false;
  if (typeof symmetric !== 'boolean') throw new ValidationError(`symmetric must be a boolean, got ${String(symmetric)}`);
  if (symmetric && n1 !== n2) throw new ValidationError(`a symmetric problem needs n1 = n2, got ${n1} × ${n2}`);
  let m: number, density = 0;
  if (operator === 'identity') m = n1 * n2;
  else if (operator === 'completion') {
    if ((o.m === undefined) === (o.density === undefined)) throw new ValidationError('matrix completion needs either m (exactly m observed entries) or density (each entry with that probability)');
    const cells = cellCount(n1, n2, symmetric);
    const c = checkEntryCount(o.density !== undefined ? { density: o.density } : { m: o.m! }, cells);
    if ('density' in c) { density = c.density; m = Math.round(density * cells); } else m = c.m;
  } else {
    if (o.density !== undefined) throw new ValidationError(`density applies to matrix completion, not to the ${operator} operator`);
    m = positiveInt('m', o.m);
  }
  const kappa = finiteNumber('kappa', o.kappa ?? 1, { min: 1 });
  const spectrum = o.spectrum ?? 'linear';
  if (spectrum !== 'linear' && spectrum !== 'geometric') throw new ValidationError(`spectrum must be 'linear' or 'geometric', got ${String(spectrum)}`);
  const noise = finiteNumber('noise', o.noise ?? 0, { min: 0 });
  const seed = o.seed ?? 0;
  splitSeed(seed);
  const mTest = nonNegativeInt('mTest', o.mTest ?? 0);
  if (operator === 'completion' && mTest > 0 && mTest > cellCount(n1, n2, symmetric) - m) {
    throw new ValidationError(`mTest = ${mTest} held-out entries do not fit beside the ≈ ${m} observed ones in the ${cellCount(n1, n2, symmetric)} cells`);
  }
  return { n1, n2, r, m, density, kappa, spectrum, symmetric, noise, seed, mTest, operator };
}

/** Bytes of an operator of this kind with m measurements in wasm memory. */
function operatorBytes(o: NormalizedProblemOptions, m: number): number {
  switch (o.operator) {
    case 'gaussian': return Runtime.blockBytes(DenseOperator.bytesFor(m, o.n1, o.n2));
    case 'completion': return Runtime.blockBytes(m * 8);
    case 'rank-one': return RankOneOperator.bytesFor(m, o.n1, o.n2, o.symmetric) + 128;
    default: return 0;
  }
}

/** Whether this operator keeps the truth only as factors (it never forms an n1 × n2 matrix). */
function structured(o: NormalizedProblemOptions): boolean { return o.operator === 'completion' || o.operator === 'rank-one'; }

/** Bytes a problem with these options holds in wasm memory (a Bernoulli completion's m is its expected count). */
export function problemBytes(o: NormalizedProblemOptions): number {
  const blk = Runtime.blockBytes;
  const testBytes = o.mTest > 0 ? operatorBytes(o, o.mTest) + blk(o.mTest * 8) : 0;
  return operatorBytes(o, o.m) + testBytes + blk(o.m * 8) + (structured(o) ? 0 : blk(o.n1 * o.n2 * 8));
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
      if (req.kind === 'operator') req.op = makeOperator(rt, req);
      else if (req.kind === 'measure') req.op.apply(req.M.a, req.y.a);
      else {
        const ws = measureFactors(rt, req);
        try { ws.pass([{ slot: 0, F: req.F, G: req.G, residual: req.y }], new Float64Array(1)); } finally { ws.dispose(); }
      }
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
  checkKeys('problem options', options, [...PROBLEM_KEYS, 'threads', 'memory']);
  const { threads, memory, ...problemOptions } = options;
  const steps = buildProblem(rt, problemOptions, false);
  let s = steps.next();
  while (!s.done) {
    const req = s.value;
    try {
      if (req.kind === 'operator') req.op = await makeOperatorAsync(rt, req, { threads, memory });
      else if (req.kind === 'measure') await req.op.applyAsync(req.M.a, req.y.a);
      else {
        const ws = measureFactors(rt, req);
        try { await ws.passAsync([{ slot: 0, F: req.F, G: req.G, residual: req.y }], new Float64Array(1)); } finally { ws.dispose(); }
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

/** What the problem builder asks its driver for: the operator, then each measurement y = A(M) (M dense or factored). */
type BuildRequest =
  | { kind: 'operator'; o: NormalizedProblemOptions; pairs?: EntryPairs; op?: MeasurementOperator }
  | { kind: 'measure'; op: MeasurementOperator; M: F64Buf; y: F64Buf }
  | { kind: 'measureFactors'; op: MeasurementOperator; F: F64Buf; G: F64Buf; y: F64Buf };

/** The training operator, on the calling thread. */
function makeOperator(rt: Runtime, req: Extract<BuildRequest, { kind: 'operator' }>): MeasurementOperator {
  const o = req.o;
  switch (o.operator) {
    case 'identity': return new IdentityOperator(o.n1, o.n2);
    case 'completion': return CompletionOperator.fromSortedPairsLocal(rt, o.n1, o.n2, o.symmetric, req.pairs!, completionDensity(o, req.pairs!));
    case 'rank-one': return RankOneOperator.gaussian(rt, rankOneOf(o, o.m, STREAM.operator, STREAM.operatorB));
    default: return DenseOperator.gaussian(rt, gaussianOf(o));
  }
}

/** The training operator on a placement. */
async function makeOperatorAsync(rt: Runtime, req: Extract<BuildRequest, { kind: 'operator' }>, placement: PlacementOptions): Promise<MeasurementOperator> {
  const o = req.o;
  switch (o.operator) {
    case 'identity': return new IdentityOperator(o.n1, o.n2);
    case 'completion': return CompletionOperator.fromSortedPairs(rt, o.n1, o.n2, o.symmetric, req.pairs!, completionDensity(o, req.pairs!), placement);
    case 'rank-one': return RankOneOperator.create(rt, { ...rankOneOf(o, o.m, STREAM.operator, STREAM.operatorB), ...placement });
    default: return DenseOperator.create(rt, { ...gaussianOf(o), ...placement });
  }
}

/** The Bernoulli probability, or the observed fraction of an exact-m sample. */
function completionDensity(o: NormalizedProblemOptions, pairs: EntryPairs): number {
  return o.density > 0 ? o.density : pairs.length / 2 / cellCount(o.n1, o.n2, o.symmetric);
}

function gaussianOf(o: NormalizedProblemOptions) {
  return { m: o.m, n1: o.n1, n2: o.n2, symmetric: o.symmetric, seed: o.seed, stream: STREAM.operator };
}

function rankOneOf(o: NormalizedProblemOptions, m: number, stream: number, streamB: number) {
  return { m, n1: o.n1, n2: o.n2, symmetric: o.symmetric, seed: o.seed, stream, streamB };
}

/** A workspace for y = A(F Gᵀ): the residual of a pass against zero measurements (y itself, zeroed, until it is written). */
function measureFactors(rt: Runtime, req: Extract<BuildRequest, { kind: 'measureFactors' }>) {
  req.y.a.fill(0);
  return req.op.workspace(rt, { model: 'asymmetric', widths: [req.F.length / req.op.n1], precision: 'f64', y: req.y });
}

/**
 * The problem generator as a coroutine: it yields the operator to build and each measurement y = A(M) to take
 * (synchronously in {@link createProblem}, awaited in {@link createProblemParallel}), and frees what it allocated
 * if the driver throws.
 */
function* buildProblem(rt: Runtime, options: ProblemOptions, operatorInRuntime: boolean): Generator<BuildRequest, Problem, undefined> {
  const o = normalizeProblemOptions(options);
  // a placement checks its own rows: they may live in workers' memories
  const need = problemBytes(o) - (operatorInRuntime ? 0 : operatorBytes(o, o.m));
  if (need > rt.available()) {
    const what = o.operator === 'gaussian' ? ` (operator: m · n1 · n2 · 4 B = ${o.m} · ${o.n1} · ${o.n2} · 4 B)` : '';
    throw new OutOfMemoryError(
      `the problem needs ${formatBytes(need)} of wasm memory${what} but the runtime can hold only ${formatBytes(rt.available())} more ` +
        `(wasm32 limit 4 GiB). Use fewer measurements, or threads with memory: 'private' (createProblemParallel, or --threads N ` +
        `--memory private on the command line), which splits the operator over per-worker memories.`,
      need, rt.available());
  }
  const { n1, n2, r } = o;
  const sigma = spectrumValues(r, o.kappa, o.spectrum);
  const U = qrThin(gaussian(rt, n1 * r, 1, o.seed, STREAM.Ustar), n1, r).Q;
  const V = o.symmetric ? U : qrThin(gaussian(rt, n2 * r, 1, o.seed, STREAM.Vstar), n2, r).Q;
  const owned = ownedResources(), temps = ownedResources();
  try {
    // the truth: densely for the dense operators, as factors F = U√σ, G = V√σ (temporaries) for the structured ones
    let Mstar: F64Buf | undefined, Ft: F64Buf | undefined, Gt: F64Buf | undefined;
    if (structured(o)) {
      Ft = temps.add(rt.f64(n1 * r)); Gt = temps.add(rt.f64(n2 * r));
      const f = Ft.a, g = Gt.a;
      for (let a = 0; a < n1; a++) for (let q = 0; q < r; q++) f[a * r + q] = U[a * r + q] * Math.sqrt(sigma[q]);
      for (let b = 0; b < n2; b++) for (let q = 0; q < r; q++) g[b * r + q] = V[b * r + q] * Math.sqrt(sigma[q]);
    } else {
      Mstar = owned.add(rt.f64(n1 * n2, 0));
      const M = Mstar.a;
      for (let a = 0; a < n1; a++) for (let b = 0; b < n2; b++) {
        let s = 0;
        for (let q = 0; q < r; q++) s += U[a * r + q] * sigma[q] * V[b * r + q];
        M[a * n2 + b] = s;
      }
    }
    const pairs = o.operator === 'completion'
      ? sampleEntries(rt, n1, n2, o.symmetric, o.density > 0 ? { density: o.density } : { m: o.m }, o.seed, STREAM.operator)
      : undefined;
    const opReq: BuildRequest = { kind: 'operator', o, pairs };
    yield opReq;
    const op = owned.add(opReq.op!);
    const m = op.m; // a Bernoulli sample's count
    const y = owned.add(rt.f64(m));
    const measure = function* (mop: MeasurementOperator, into: F64Buf): Generator<BuildRequest, void, undefined> {
      if (Mstar) { yield { kind: 'measure', op: mop, M: Mstar, y: into }; return; }
      yield { kind: 'measureFactors', op: mop, F: Ft!, G: Gt!, y: into };
    };
    yield* measure(op, y);
    // completion: noise of sd σ on each observed entry, scaled like the entries (σ/√p in y)
    const noiseScale = op instanceof CompletionOperator ? op.wd : 1;
    addNoise(y, o.noise * noiseScale, rt, o.seed, STREAM.noise);
    let test: Problem['test'];
    if (o.mTest > 0) {
      let tOp: MeasurementOperator;
      if (o.operator === 'completion') {
        const tp = sampleEntries(rt, n1, n2, o.symmetric, { m: o.mTest }, o.seed, STREAM.testOperator, pairs);
        tOp = CompletionOperator.fromSortedPairsLocal(rt, n1, n2, o.symmetric, tp, tp.length / 2 / cellCount(n1, n2, o.symmetric));
      } else if (o.operator === 'rank-one') {
        tOp = RankOneOperator.gaussian(rt, rankOneOf(o, o.mTest, STREAM.testOperator, STREAM.testOperatorB));
      } else {
        tOp = DenseOperator.gaussian(rt, { m: o.mTest, n1, n2, symmetric: o.symmetric, seed: o.seed, stream: STREAM.testOperator });
      }
      owned.add(tOp);
      const ty = owned.add(rt.f64(o.mTest));
      yield* measure(tOp, ty);
      addNoise(ty, o.noise * (tOp instanceof CompletionOperator ? tOp.wd : 1), rt, o.seed, STREAM.testNoise);
      test = { op: tOp, y: ty };
    }
    return new Problem({ n1, n2, m, r, symmetric: o.symmetric, op, y, Mstar, Ustar: U, Vstar: V, sigma, test, seed: o.seed }, owned.release);
  } catch (e) {
    owned.release();
    throw e;
  } finally {
    temps.release();
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
