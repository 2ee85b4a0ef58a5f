/**
 * Gram mode (docs/theory.md §8): when m ≥ n1·n2, form G = AᵀA (N × N, f64, symmetric) and c = Aᵀy
 * once from any operator; then each pass computes E = G vec(X) − c, which costs O(N²) — it reads N²/2 · 8 bytes —
 * independent of m.
 *
 * The loss. ‖r‖² = xᵀGx − 2xᵀc + ‖y‖² cancels catastrophically (its relative residual would floor at ~1e-8), so each
 * trajectory keeps an *anchor*: an iterate x_a whose residual r_a was computed exactly (one apply pass over the inner
 * operator) with ss_a = ‖r_a‖² and E_a = Aᵀr_a. Between anchors
 *
 *     ‖r(x)‖² = ss_a + dᵀ(E + E_a),   d = x − x_a      (since r = r_a + A d and E = E_a + G d),
 *
 * whose error is ~ε‖d‖‖c‖ and shrinks with the distance to the anchor. The anchor is refreshed every `refreshEvery`
 * passes (default 100), when the estimate has dropped below `refreshDrop` (1e-6) × ss_a, and when the error bound
 * 4ε‖d‖‖c‖ exceeds `lossAccuracy` (1e-4) × the estimate, so the recorded loss keeps ≥ 4 significant digits at every
 * residual level. Anchors live in the workspace, one per trajectory: solvers sharing a Gram operator never see each
 * other's. The residual vector of a pass is exact only at anchor passes.
 */
import { ValidationError } from '../errors.js';
import { Runtime, type F64Buf } from '../runtime.js';
import { MeasurementOperator, type Vec } from './operator.js';
import type { PassWorkspace, WorkspaceSpec } from './pass.js';
import { DenseFormWorkspace } from './workspace.js';

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
  /** Milliseconds spent forming G and c. */
  readonly buildMs: number;
  /** Exact (anchor) passes so far, over every workspace. */
  anchorCount = 0;
  readonly refreshEvery: number;
  readonly refreshDrop: number;
  readonly lossAccuracy: number;
  /** ‖c‖ (the error bound of the anchor formula). */
  readonly cNorm: number;

  private constructor(readonly rt: Runtime, readonly inner: MeasurementOperator, readonly y: F64Buf,
    /** G = AᵀA, N × N f64 row-major (upper triangle valid). */
    readonly G: F64Buf,
    /** c = Aᵀy. */
    readonly c: F64Buf, buildMs: number, o: Required<GramOptions>) {
    super(inner.m, inner.n1, inner.n2, inner.seesOnlySymmetric);
    this.name = `gram(${inner.name})`;
    this.buildMs = buildMs;
    this.refreshEvery = o.refreshEvery; this.refreshDrop = o.refreshDrop; this.lossAccuracy = o.lossAccuracy;
    const ca = c.a; let cn = 0; for (let j = 0; j < ca.length; j++) cn += ca[j] * ca[j];
    this.cNorm = Math.sqrt(cn);
  }

  /** Bytes G and c will take for these sizes. */
  static bytesFor(n1: number, n2: number): number { const N = n1 * n2; return N * N * 8 + N * 8; }

  /** Form G = AᵀA and c = Aᵀy for any operator (the dense one over its placement's threads) and its measurements y. */
  static async create(rt: Runtime, op: MeasurementOperator, y: F64Buf, o: GramOptions = {}): Promise<GramOperator> {
    op.checkLive();
    if (o === null || typeof o !== 'object') throw new ValidationError('Gram options must be an object');
    const opts = {
      refreshEvery: o.refreshEvery ?? 100, refreshDrop: o.refreshDrop ?? 1e-6, lossAccuracy: o.lossAccuracy ?? 1e-4,
    };
    if (!Number.isInteger(opts.refreshEvery) || opts.refreshEvery < 1) throw new ValidationError(`refreshEvery must be an integer ≥ 1, got ${opts.refreshEvery}`);
    for (const k of ['refreshDrop', 'lossAccuracy'] as const) {
      if (!(opts[k] > 0 && opts[k] < 1)) throw new ValidationError(`${k} must be in (0, 1), got ${opts[k]}`);
    }
    if (y.length !== op.m) throw new ValidationError(`y has length ${y.length}, the operator has m = ${op.m}`);
    const N = op.N, t0 = performance.now();
    const need = Runtime.blockBytes(N * N * 8) + Runtime.blockBytes(N * 8);
    if (need > rt.available()) throw new ValidationError(`Gram mode needs ${need} bytes for G = AᵀA (N = ${N}), more than the runtime can hold`);
    const G = rt.f64(N * N, 0);
    const c = rt.f64(N);
    try {
      await op.gramInto(G);
      await op.adjointAsync(y.a.slice(), c.a);
    } catch (e) { G.free(); c.free(); throw e; }
    return new GramOperator(rt, op, y, G, c, performance.now() - t0, opts);
  }

  override get synchronous(): boolean { return this.inner.synchronous; }
  get memoryBytes(): number { return this.G.length * 8 + this.c.length * 8; }
  protected override runtimeDisposed(): boolean { return this.rt.isDisposed || this.inner.isDisposed; }

  protected _apply(X: Vec, out: Vec): void { this.inner.apply(X, out); }
  protected _adjoint(r: Vec, S: Vec): void { this.inner.adjoint(r, S); }
  protected override async _applyAsync(X: Vec, out: Vec): Promise<void> { await this.inner.applyAsync(X, out); }
  protected override async _adjointAsync(r: Vec, S: Vec): Promise<void> { await this.inner.adjointAsync(r, S); }

  override workspaceBytes(spec: Omit<WorkspaceSpec, 'y'>): number {
    return super.workspaceBytes(spec) + (2 * spec.widths.length + 2) * Runtime.blockBytes(this.N * 8);
  }

  protected override _workspace(rt: Runtime, spec: WorkspaceSpec): PassWorkspace {
    if (spec.y !== this.y && (spec.y.ptr !== this.y.ptr || spec.y.rt !== this.y.rt)) {
      throw new ValidationError('Gram mode: the residuals must be taken against the measurements the Gram operator was built with');
    }
    return new GramWorkspace(rt, this, spec);
  }

  /** Free G and c (the inner operator stays: it belongs to its problem). */
  protected override _dispose(): void { this.G.free(); this.c.free(); }
}

interface Anchor { x: F64Buf; E: F64Buf; ss: number; since: number }

class GramWorkspace extends DenseFormWorkspace {
  private readonly anchors: Anchor[] = [];
  private readonly d: F64Buf;
  private readonly sum: F64Buf;

  constructor(rt: Runtime, private readonly gram: GramOperator, spec: WorkspaceSpec) {
    super(rt, gram, spec);
    const N = gram.N;
    this.d = rt.f64(N); this.sum = rt.f64(N);
    for (let b = 0; b < spec.widths.length; b++) this.anchors.push({ x: rt.f64(N), E: rt.f64(N), ss: -1, since: 0 });
  }

  /** E_p = G x_p − c and the estimated ‖r_p‖²; @returns the positions whose anchor must be refreshed. */
  private estimate(count: number, X: F64Buf, E: F64Buf, slots: readonly number[]): number[] {
    const K = this.rt.kernels, g = this.gram, N = g.N, refresh: number[] = [];
    for (let p = 0; p < count; p++) {
      const x = X.ptr + p * N * 8, s = E.ptr + p * N * 8, a = this.anchors[slots[p]];
      K.symv_upper_f64(s, g.G.ptr, x, g.c.ptr, N);
      let ss = -1;
      if (a.ss >= 0 && a.since < g.refreshEvery) {
        // d = x − x_a; ‖r‖² = ss_a + dᵀ(E + E_a)
        this.d.a.set(X.a.subarray(p * N, (p + 1) * N));
        K.axpy_f64(this.d.ptr, a.x.ptr, -1, N);
        K.add_f64(this.sum.ptr, s, a.E.ptr, N);
        ss = a.ss + K.dot_f64(this.d.ptr, this.sum.ptr, N);
        // E = Gx − c carries an absolute error ~ε‖c‖, so dᵀE errs by ~ε‖d‖‖c‖ (measured factor ≈ 1.5; 4 for safety)
        const errBound = 4 * 2.22e-16 * Math.sqrt(K.dot_f64(this.d.ptr, this.d.ptr, N)) * g.cNorm;
        if (!(ss > g.refreshDrop * a.ss) || errBound > g.lossAccuracy * ss) ss = -1;
      }
      if (ss < 0) refresh.push(p);
      else E.a[count * N + p] = ss;
      a.since++;
    }
    return refresh;
  }

  /** The exact residual r_p = A x_p − y (already in R) becomes slot p's anchor. */
  private anchor(count: number, p: number, X: F64Buf, E: F64Buf, R: F64Buf, slots: readonly number[]): void {
    const g = this.gram, N = g.N, m = g.m, a = this.anchors[slots[p]], r = R.a, y = this.spec.y.a;
    let ss = 0;
    for (let i = 0; i < m; i++) { const v = r[p * m + i] - y[i]; r[p * m + i] = v; ss += v * v; }
    a.ss = ss; a.since = 1;
    a.x.a.set(X.a.subarray(p * N, (p + 1) * N));
    a.E.a.set(E.a.subarray(p * N, (p + 1) * N));
    E.a[count * N + p] = ss;
    g.anchorCount++;
  }

  protected residualAdjoint(count: number, X: F64Buf, E: F64Buf, R: F64Buf, slots: readonly number[]): void {
    const N = this.gram.N, m = this.gram.m;
    for (const p of this.estimate(count, X, E, slots)) {
      this.gram.inner.apply(X.a.subarray(p * N, (p + 1) * N), R.a.subarray(p * m, (p + 1) * m));
      this.anchor(count, p, X, E, R, slots);
    }
  }

  protected override async residualAdjointAsync(count: number, X: F64Buf, E: F64Buf, R: F64Buf, slots: readonly number[]): Promise<void> {
    const N = this.gram.N, m = this.gram.m;
    for (const p of this.estimate(count, X, E, slots)) {
      const r = await this.gram.inner.applyAsync(X.a.slice(p * N, (p + 1) * N), new Float64Array(m));
      R.a.set(r, p * m);
      this.anchor(count, p, X, E, R, slots);
    }
  }

  override dispose(): void {
    if (this.isDisposed) return;
    super.dispose();
    this.d.free(); this.sum.free();
    for (const a of this.anchors) { a.x.free(); a.E.free(); }
    this.anchors.length = 0;
  }
}
