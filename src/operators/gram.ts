/**
 * Gram mode (math.md §8): when m ≥ n1·n2, form G = AᵀA (N × N, f64, symmetric; stored full, only the upper
 * triangle is computed and read) and c = Aᵀy once; then each fused pass is E = G vec(X) − c, which costs O(N²)
 * — it reads N²/2 · 8 bytes — independent of m.
 *
 * The loss. ‖r‖² = xᵀGx − 2xᵀc + ‖y‖² cancels catastrophically: its absolute error is ~1e-16·‖y‖², so the relative
 * residual it gives floors at ~1e-8. Instead this operator keeps an *anchor*: an iterate x_a whose residual r_a was
 * computed exactly (one `apply` pass over A, which also refreshes the residual vector r) together with
 * ss_a = ‖r_a‖² and E_a = Aᵀr_a. Between anchors
 *
 *     ‖r(x)‖² = ss_a + dᵀ(E + E_a),   d = x − x_a      (since r = r_a + A d and E = E_a + G d),
 *
 * whose error is ~ε‖d‖‖c‖ (E = Gx − c itself carries an absolute error ~ε‖c‖), i.e. it shrinks with the distance to
 * the anchor. The anchor is refreshed every `refreshEvery` passes (default 100), when the estimate has dropped below
 * `refreshDrop` (1e-6) × ss_a, and when the error bound 4ε‖d‖‖c‖ exceeds `lossAccuracy` (1e-4) × the estimate, so the
 * recorded loss keeps ≥ 4 significant digits at every residual level (test/perf/gram.test.ts measures ≤ 1e-4 down to
 * a relative residual of 1e-12); anchors get frequent only below a relative residual of ~1e-9. The residual vector
 * `r` is only written at anchor passes (it is stale in between). E is exact up to ~ε‖c‖ absolute, which moves the
 * attainable relative error of GD by ~ε·κ(G) — far below 1e-10.
 *
 * Cost: building G is m·N²/2 multiply–adds (the kernel is register-tiled and chunked for L2, f64 accumulation); with
 * a shared-memory {@link ParallelDenseOperator} the rows of G are split across its threads. Gram mode pays off when the
 * run is long: see docs/performance.md for the measured break-even.
 */
import { ValidationError } from '../errors.js';
import type { Problem } from '../problems/problem.js';
import type { F64Buf, Runtime } from '../runtime.js';
import { OP } from '../workers/source.js';
import { MeasurementOperator, type Vec } from './base.js';
import { ScratchVectors } from './scratch.js';
import { DenseOperator } from './dense.js';
import { ParallelDenseOperator } from './parallel.js';

/** Options of {@link GramOperator.create}. */
export interface GramOptions {
  /** Exact residual (anchor) every this many passes. Default 100. */
  refreshEvery?: number;
  /** Also refresh when the estimated ‖r‖² falls below this fraction of the anchor's. Default 1e-6. */
  refreshDrop?: number;
  /** Also refresh when the estimate's error bound exceeds this fraction of ‖r‖². Default 1e-4. */
  lossAccuracy?: number;
}

export class GramOperator extends MeasurementOperator {
  readonly name: string;
  /** G = AᵀA, N × N f64 row-major (upper triangle valid). */
  readonly G: F64Buf;
  /** c = Aᵀy. */
  readonly c: F64Buf;
  /** ‖y‖². */
  readonly yy: number;
  /** Milliseconds spent forming G and c. */
  readonly buildMs: number;
  /** Exact (anchor) passes so far. */
  anchorCount = 0;
  readonly refreshEvery: number;
  readonly refreshDrop: number;
  readonly lossAccuracy: number;
  private readonly cNorm: number;
  private xa: F64Buf; private Ea: F64Buf; private d: F64Buf; private sum: F64Buf;
  private ssa = -1;
  private sinceAnchor = 0;
  private readonly scratch: ScratchVectors<'x' | 'S'>;

  private constructor(readonly rt: Runtime, readonly inner: DenseOperator | ParallelDenseOperator, readonly y: F64Buf, G: F64Buf, c: F64Buf, yy: number, buildMs: number, o: GramOptions) {
    super(inner.m, inner.n1, inner.n2, inner.symmetric);
    this.name = `gram(${inner.name})`;
    this.scratch = new ScratchVectors(rt);
    this.G = G; this.c = c; this.yy = yy; this.buildMs = buildMs;
    this.refreshEvery = o.refreshEvery ?? 100;
    this.lossAccuracy = o.lossAccuracy ?? 1e-4;
    const ca = c.a; let cn = 0; for (let j = 0; j < ca.length; j++) cn += ca[j] * ca[j];
    this.cNorm = Math.sqrt(cn);
    this.refreshDrop = o.refreshDrop ?? 1e-6;
    if (!Number.isInteger(this.refreshEvery) || this.refreshEvery < 1) throw new ValidationError(`refreshEvery must be an integer ≥ 1, got ${this.refreshEvery}`);
    const N = inner.N;
    this.xa = rt.f64(N); this.Ea = rt.f64(N); this.d = rt.f64(N); this.sum = rt.f64(N);
  }

  /** Bytes G and c will take for these sizes. */
  static bytesFor(n1: number, n2: number): number { const N = n1 * n2; return N * N * 8 + N * 8; }

  /** Form G = AᵀA and c = Aᵀy for a dense operator (in this runtime) and its measurements y. */
  static create(rt: Runtime, op: MeasurementOperator, y: F64Buf, o: GramOptions = {}): GramOperator {
    if (!(op instanceof DenseOperator) && !(op instanceof ParallelDenseOperator && op.mode === 'shared')) {
      throw new ValidationError('Gram mode needs a DenseOperator or a shared-memory ParallelDenseOperator (A in this runtime)');
    }
    if (y.length !== op.m) throw new ValidationError(`y has length ${y.length}, the operator has m = ${op.m}`);
    const N = op.N, t0 = performance.now();
    const G = rt.f64(N * N, 0);
    const c = rt.f64(N);
    try {
      const A = op instanceof DenseOperator ? op.A.ptr : op.A!.ptr;
      const K = rt.kernels;
      if (op instanceof ParallelDenseOperator && op.pool) {
        const cuts = triangleSplit(N, op.threads);
        for (let t = 1; t < op.threads; t++) op.pool.setCall(t - 1, 'gram_upper_f32_f64', [G.ptr, A, op.m, N, cuts[t], cuts[t + 1]]);
        op.pool.run(OP.CALL, () => K.gram_upper_f32_f64(G.ptr, A, op.m, N, cuts[0], cuts[1]));
      } else {
        K.gram_upper_f32_f64(G.ptr, A, op.m, N, 0, N);
      }
      op.adjoint(y.a, c.a);
    } catch (e) { G.free(); c.free(); throw e; }
    const ya = y.a; let yy = 0; for (let i = 0; i < ya.length; i++) yy += ya[i] * ya[i];
    return new GramOperator(rt, op, y, G, c, yy, performance.now() - t0, o);
  }

  get memoryBytes(): number { return this.G.length * 8 + this.inner.memoryBytes; }

  protected _apply(X: Vec, out: Vec): void { this.inner.apply(X, out); }
  protected _adjoint(r: Vec, S: Vec): void { this.inner.adjoint(r, S); }

  /**
   * E = G x − c (S), and ‖r‖² from the anchor formula; r is refreshed (exactly) only at anchor passes.
   * `b` must be the y this operator was built with.
   */
  protected override _residualAdjoint(X: Vec, b: Vec, r: Vec, S: Vec): number {
    if (b !== this.y.a && !(b.buffer === this.y.a.buffer && b.byteOffset === this.y.ptr)) {
      if (b.length !== this.y.length || b[0] !== this.y.a[0] || b[b.length - 1] !== this.y.a[b.length - 1]) {
        throw new ValidationError('Gram mode: b must be the measurements the Gram operator was built with');
      }
    }
    const K = this.rt.kernels, N = this.N;
    const x = this.inMemory(X, 'x'), s = this.inMemory(S, 'S');
    K.symv_upper_f64(s.ptr, this.G.ptr, x.ptr, this.c.ptr, N);
    let ss = -1;
    if (this.ssa >= 0 && this.sinceAnchor < this.refreshEvery) {
      // d = x − x_a; ss = ss_a + dᵀ(E + E_a)
      const da = this.d.a, xa = this.xa.a, xv = x.view();
      for (let j = 0; j < N; j++) da[j] = xv[j] - xa[j];
      K.add_f64(this.sum.ptr, s.ptr, this.Ea.ptr, N);
      ss = this.ssa + K.dot_f64(this.d.ptr, this.sum.ptr, N);
      // E = Gx − c carries an absolute error ~ε‖c‖, so dᵀE errs by ~ε‖d‖‖c‖ (measured factor ≈ 1.5; 4 for safety)
      const errBound = 4 * 2.22e-16 * Math.sqrt(K.dot_f64(this.d.ptr, this.d.ptr, N)) * this.cNorm;
      if (!(ss > this.refreshDrop * this.ssa) || errBound > this.lossAccuracy * ss) ss = -1;
    }
    if (ss < 0) {
      // anchor: exact residual through one pass over A
      this.inner.apply(X, r);
      const ya = this.y.a;
      ss = 0;
      for (let i = 0; i < r.length; i++) { const v = r[i] - ya[i]; r[i] = v; ss += v * v; }
      this.ssa = ss;
      this.xa.a.set(x.view());
      this.Ea.a.set(new Float64Array(this.rt.memory.buffer, s.ptr, N));
      this.sinceAnchor = 0;
      this.anchorCount++;
    }
    this.sinceAnchor++;
    s.done(S);
    return ss;
  }

  private inMemory(a: Vec, slot: 'x' | 'S') { return this.scratch.inMemory(a, slot, this.N); }

  /** Forget the anchor (the next pass is exact). Call when the iterate jumps (e.g. a new run on the same operator). */
  resetAnchor(): void { this.ssa = -1; this.sinceAnchor = 0; }

  /** Free G, c and the anchor (the inner operator is not disposed). */
  override dispose(): void {
    for (const b of [this.G, this.c, this.xa, this.Ea, this.d, this.sum]) b?.free();
    this.scratch.free();
  }
}

/**
 * A view of `problem` whose operator is the Gram operator (its dispose frees only G; dispose the original problem
 * yourself). The test data, M* and y are shared.
 */
export function withGram(rt: Runtime, problem: Problem, o: GramOptions = {}): Problem & { op: GramOperator } {
  const op = GramOperator.create(rt, problem.op, problem.y, o);
  return { ...problem, op, dispose() { op.dispose(); } };
}

/** Row cut points [0 = c_0 < … < c_T = N] (multiples of 8) that give each thread about the same triangle area. */
function triangleSplit(N: number, T: number): number[] {
  const cuts = [0];
  const total = N * (N + 1) / 2;
  for (let t = 1; t < T; t++) {
    // rows [0, i) of the upper triangle hold N·i − i(i−1)/2 entries; solve for t/T of the total
    const target = total * t / T;
    const i = N + 0.5 - Math.sqrt((N + 0.5) ** 2 - 2 * target);
    cuts.push(Math.min(N, Math.max(cuts[t - 1], Math.round(i / 8) * 8)));
  }
  cuts.push(N);
  return cuts;
}
