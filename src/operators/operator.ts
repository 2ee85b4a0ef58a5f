/**
 * The measurement operator A: R^{n1×n2} → R^m, vec row-major (docs/theory.md §2). Concrete operators write
 * only math hooks (docs/adding-an-operator.md):
 * - `_apply` and `_adjoint`, the vec forms (diagnostics, the dot-test);
 * - optionally `_applyFactors` and `_adjointProducts`, the factor forms A(F Gᵀ) and A*(r)·G, A*(r)ᵀ·F: with them the
 *   solver's passes and the back projection never form an n1 × n2 matrix;
 * - or, for full control, `_workspace` (src/operators/pass.ts).
 * This base class checks shapes, counts calls, owns the lifecycle (a disposed operator, or one whose runtime was
 * disposed, throws StateError at once) and builds the workspace from the hooks given — so a new operator is correct
 * before it is fast.
 */
import { StateError, ValidationError } from '../errors.js';
import type { F64Buf, Runtime } from '../runtime.js';
import { DenseFormWorkspace } from './workspace.js';
import { FactorFormWorkspace, type FactorHooks } from './factor-workspace.js';
import { denseMap, type LinearMap, type PassWorkspace, type WorkspaceSpec } from './pass.js';
import type { PlacementKind } from '../placement/placement.js';

/** A vector argument of the vec-form hooks. */
export type Vec = Float64Array;

export abstract class MeasurementOperator {
  /** Number of measurements. */
  readonly m: number;
  readonly n1: number;
  readonly n2: number;
  /** n1 · n2, the length of vec(X). */
  readonly N: number;
  /**
   * True when every A_i is symmetric (n1 = n2): the operator cannot see the antisymmetric part of its argument and
   * A*(v) is symmetric. (An operator of a symmetric problem need not be: the identity operator is not.)
   */
  readonly seesOnlySymmetric: boolean;
  /** Calls of `apply`, `adjoint` and of workspace passes (one per trajectory served). */
  applyCount = 0;
  adjointCount = 0;
  passCount = 0;
  /** A short name for records and error messages. */
  abstract readonly name: string;
  private disposed = false;

  constructor(m: number, n1: number, n2: number, seesOnlySymmetric: boolean) {
    for (const [k, v] of [['m', m], ['n1', n1], ['n2', n2]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValidationError(`${k} must be a positive integer, got ${String(v)}`);
    }
    if (seesOnlySymmetric && n1 !== n2) throw new ValidationError(`an operator with symmetric A_i needs n1 = n2, got ${n1} × ${n2}`);
    this.m = m; this.n1 = n1; this.n2 = n2; this.N = n1 * n2; this.seesOnlySymmetric = seesOnlySymmetric;
  }

  /** False for operators whose passes can only be awaited (rows in workers reached by message). */
  get synchronous(): boolean { return true; }
  /** Threads its passes run on. */
  get threads(): number { return 1; }
  /** Where its data lives. */
  get placement(): PlacementKind { return 'local'; }
  /** Bytes it holds in the runtime's memory. */
  abstract get memoryBytes(): number;
  /**
   * The factor the methods' default step sizes are multiplied by: 1 for operators with E[A*A] = I (their loss has
   * the curvature of ‖X − M*‖² near a solution); smaller where it is more curved (symmetric rank-one measurements).
   */
  get stepScale(): number { return 1; }

  /**
   * A warning when m measurements are too few for this operator to identify a rank-r matrix, beyond the degrees of
   * freedom r(n1 + n2 − r) that every operator needs (e.g. matrix completion's m ≳ r·n·log n). Undefined: no extra
   * requirement.
   */
  sampleComplexityWarning(_r: number): string | undefined { return undefined; }

  /** One line for summaries: name, threads, placement. */
  describe(): string {
    return this.threads > 1 ? `${this.name}, ${this.threads} threads (${this.placement} memory)` : this.name;
  }

  get isDisposed(): boolean { return this.disposed || this.runtimeDisposed(); }

  /** Throw a StateError if this operator (or its runtime) has been disposed. */
  checkLive(): void {
    if (this.runtimeDisposed()) throw new StateError(`the runtime of the operator ${this.name} has been disposed`);
    if (this.disposed) throw new StateError(`the operator ${this.name} has been disposed`);
  }

  /** Operators made in a runtime say whether it was disposed. */
  protected runtimeDisposed(): boolean { return false; }

  /** out = A(X); X has n1·n2 entries (row-major), out has m. @returns out */
  apply(X: Vec, out: Vec): Vec {
    this.checkLive();
    this.check('X', X, this.N); this.check('out', out, this.m);
    if (!this.synchronous) throw this.asyncOnly('apply');
    this.applyCount++;
    this._apply(X, out);
    return out;
  }

  /** S = A*(r) (reshape(Aᵀ r)); r has m entries, S has n1·n2. @returns S */
  adjoint(r: Vec, S: Vec): Vec {
    this.checkLive();
    this.check('r', r, this.m); this.check('S', S, this.N);
    if (!this.synchronous) throw this.asyncOnly('adjoint');
    this.adjointCount++;
    this._adjoint(r, S);
    return S;
  }

  /** {@link apply}, awaitable: every operator has it. */
  async applyAsync(X: Vec, out: Vec): Promise<Vec> {
    this.checkLive();
    this.check('X', X, this.N); this.check('out', out, this.m);
    this.applyCount++;
    await this._applyAsync(X, out);
    this.checkLive();
    return out;
  }

  /** {@link adjoint}, awaitable. */
  async adjointAsync(r: Vec, S: Vec): Promise<Vec> {
    this.checkLive();
    this.check('r', r, this.m); this.check('S', S, this.N);
    this.adjointCount++;
    await this._adjointAsync(r, S);
    this.checkLive();
    return S;
  }

  /** The adjoint as an operator view: `op.H.apply(r, S)` ≡ `op.adjoint(r, S)`. */
  get H(): { apply(r: Vec, S: Vec): Vec; readonly rows: number; readonly cols: number } {
    return { apply: (r: Vec, S: Vec) => this.adjoint(r, S), rows: this.N, cols: this.m };
  }

  /**
   * A workspace for the factor-form passes of one solver (src/operators/pass.ts): its buffers and per-trajectory
   * state are its own, so solvers sharing this operator never see each other's precision or state.
   */
  workspace(rt: Runtime, spec: WorkspaceSpec): PassWorkspace {
    this.checkLive();
    this.checkSpec(spec);
    return this._workspace(rt, spec);
  }

  /** Bytes {@link workspace} will allocate in the runtime for `spec` (checked before anything is allocated). */
  workspaceBytes(spec: Omit<WorkspaceSpec, 'y'>): number { return this.factorHooks() ? 0 : DenseFormWorkspace.bytesFor(this, spec); }

  /**
   * The data-only estimate of M* from measurements y, as a linear map (never formed for structured operators):
   * A*(y), since E[A*A] = I. Operators whose E[A*A] is not the identity correct it. Used for the default step size
   * (its top singular value σ̂1) and the spectral initialization.
   */
  backProjection(y: Vec): LinearMap {
    this.checkLive();
    const h = this.factorHooks();
    if (h) {
      // E x = E·G with G = x (n2 × 1); Eᵀ x = Eᵀ·F with F = x (n1 × 1): never formed
      const r = Float64Array.from(y), none1 = new Float64Array(this.n1), none2 = new Float64Array(this.n2);
      return {
        rows: this.n1, cols: this.n2,
        apply: (x, out) => h.adjointProducts(r, none1, x, 1, out, null),
        applyT: (x, out) => h.adjointProducts(r, x, none2, 1, null, out),
      };
    }
    const S = this.adjoint(y, new Float64Array(this.N));
    return denseMap(S, this.n1, this.n2);
  }

  /** {@link backProjection}, awaitable (operators whose passes are asynchronous). */
  async backProjectionAsync(y: Vec): Promise<LinearMap> {
    if (this.synchronous) return this.backProjection(y);
    const S = await this.adjointAsync(Float64Array.from(y), new Float64Array(this.N)); // y may be a detachable view
    return denseMap(S, this.n1, this.n2);
  }

  /**
   * G = AᵀA (N × N, f64, row-major): G[i, j] = Σ_q A_q[i] A_q[j] — Gram mode's matrix. By default from 2N vec passes
   * (column j = A*(A e_j)); operators that can do better (the dense one: a register-tiled pass over its rows on every
   * thread) override it.
   */
  async gramInto(G: F64Buf): Promise<void> {
    this.checkLive();
    const N = this.N;
    if (G.length < N * N) throw new ValidationError(`G must hold ${N} × ${N} entries`);
    const e = new Float64Array(N), a = new Float64Array(this.m), col = new Float64Array(N);
    for (let j = 0; j < N; j++) {
      e.fill(0); e[j] = 1;
      await this.applyAsync(e, a);
      await this.adjointAsync(a, col);
      const g = G.a;
      for (let i = 0; i < N; i++) g[i * N + j] = col[i];
    }
  }

  /** Release the operator's memory and stop its workers. Idempotent; afterwards every call throws StateError. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this._dispose();
  }

  protected _dispose(): void {}

  protected abstract _apply(X: Vec, out: Vec): void;
  protected abstract _adjoint(r: Vec, S: Vec): void;
  /** Async hooks: by default the synchronous ones. An asynchronous operator overrides both. */
  protected _applyAsync(X: Vec, out: Vec): Promise<void> | void { this._apply(X, out); }
  protected _adjointAsync(r: Vec, S: Vec): Promise<void> | void { this._adjoint(r, S); }

  /**
   * Factor form, optional: out (m) = A(F Gᵀ) for F (n1 × k) and G (n2 × k), row-major — without forming F Gᵀ.
   * Write it together with {@link _adjointProducts}.
   */
  protected _applyFactors?(F: Float64Array, G: Float64Array, k: number, out: Float64Array): void;

  /**
   * Factor form, optional: with E = A*(r) (n1 × n2, never formed), EG (n1 × k) = E·G and EtF (n2 × k) = Eᵀ·F; either
   * output may be null (not wanted). Overwrite the outputs.
   */
  protected _adjointProducts?(r: Float64Array, F: Float64Array, G: Float64Array, k: number, EG: Float64Array | null, EtF: Float64Array | null): void;

  /** The factor-form hooks, when the operator has both. */
  protected factorHooks(): FactorHooks | undefined {
    if (!this._applyFactors || !this._adjointProducts) return undefined;
    return {
      applyFactors: (F, G, k, out) => this._applyFactors!(F, G, k, out),
      adjointProducts: (r, F, G, k, EG, EtF) => this._adjointProducts!(r, F, G, k, EG, EtF),
    };
  }

  /**
   * The workspace: from the factor-form hooks when the operator has them (nothing n1 × n2 is formed); otherwise one
   * that forms X and E densely and uses `_apply`/`_adjoint` (two passes).
   */
  protected _workspace(rt: Runtime, spec: WorkspaceSpec): PassWorkspace {
    const h = this.factorHooks();
    return h ? new FactorFormWorkspace(rt, this, h, spec) : new GenericWorkspace(rt, this, spec);
  }

  protected asyncOnly(what: string): StateError {
    return new StateError(`${this.name}: ${what} is asynchronous on this operator (its rows live in workers reached by message); use ${what}Async(), solve() or Solver.stepAsync()`);
  }

  private checkSpec(spec: WorkspaceSpec): void {
    if (spec === null || typeof spec !== 'object') throw new ValidationError('workspace spec must be an object');
    if (spec.model !== 'asymmetric' && spec.model !== 'symmetric') throw new ValidationError(`model must be 'asymmetric' or 'symmetric', got ${String(spec.model)}`);
    if (spec.model === 'symmetric' && this.n1 !== this.n2) throw new ValidationError(`the symmetric model needs n1 = n2, got ${this.n1} × ${this.n2}`);
    if (!Array.isArray(spec.widths) || spec.widths.length < 1) throw new ValidationError('workspace spec needs at least one trajectory width');
    for (const k of spec.widths) if (!Number.isInteger(k) || k < 1) throw new ValidationError(`widths must be positive integers, got ${String(k)}`);
    if (spec.y.length !== this.m) throw new ValidationError(`y has ${spec.y.length} entries, the operator has m = ${this.m}`);
  }

  private check(name: string, a: Vec, n: number): void {
    if (!(a instanceof Float64Array)) throw new ValidationError(`${this.name}: ${name} must be a Float64Array`);
    if (a.length !== n) throw new ValidationError(`${this.name}: ${name} has length ${a.length}, expected ${n} (m = ${this.m}, n1 × n2 = ${this.n1} × ${this.n2})`);
  }
}

/**
 * The default workspace of an operator that only has `_apply` and `_adjoint`: X = F Gᵀ formed densely, r = A(X) − y,
 * E = A*(r) — two passes over the operator per trajectory; correct, not fast.
 */
class GenericWorkspace extends DenseFormWorkspace {
  constructor(rt: Runtime, private readonly op: MeasurementOperator, spec: WorkspaceSpec) {
    super(rt, op, spec);
  }

  protected residualAdjoint(count: number, X: F64Buf, E: F64Buf, R: F64Buf, _slots: readonly number[], needE: boolean): void {
    const { N, m } = this.op, y = this.spec.y;
    for (let p = 0; p < count; p++) {
      const r = R.a.subarray(p * m, (p + 1) * m);
      this.op.apply(X.a.subarray(p * N, (p + 1) * N), r);
      const ya = y.a;
      let ss = 0;
      for (let i = 0; i < m; i++) { const v = r[i] - ya[i]; r[i] = v; ss += v * v; }
      E.a[count * N + p] = ss;
      if (needE) this.op.adjoint(r, E.a.subarray(p * N, (p + 1) * N));
    }
  }

  protected override async residualAdjointAsync(count: number, X: F64Buf, E: F64Buf, R: F64Buf, _slots: readonly number[], needE: boolean): Promise<void> {
    const { N, m } = this.op, y = this.spec.y;
    for (let p = 0; p < count; p++) {
      const r = new Float64Array(m);
      await this.op.applyAsync(X.a.slice(p * N, (p + 1) * N), r);
      const ya = y.a;
      let ss = 0;
      for (let i = 0; i < m; i++) { const v = r[i] - ya[i]; r[i] = v; ss += v * v; }
      R.a.set(r, p * m);
      const S = needE ? await this.op.adjointAsync(r, new Float64Array(N)) : undefined;
      E.a[count * N + p] = ss;
      if (S) E.a.set(S, p * N);
    }
  }
}
