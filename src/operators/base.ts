/**
 * The measurement operator A: R^{n1×n2} → R^m, vec row-major (math.md §2). Concrete operators implement only
 * the math hooks `_apply` and `_adjoint` (and optionally a fused `_residualAdjoint`); this base class checks
 * shapes once per call, counts calls, and derives the fused pass from the other two so a new operator is
 * correct before it is fast.
 */
import { ValidationError } from '../errors.js';

/** Anything shaped like a Float64Array: the hooks read and write through it. */
export type Vec = Float64Array;

export abstract class MeasurementOperator {
  /** Number of measurements. */
  readonly m: number;
  readonly n1: number;
  readonly n2: number;
  /** n1 · n2, the length of vec(X). */
  readonly N: number;
  /** True when every A_i is symmetric (n1 = n2), so A*(v) is symmetric. */
  readonly symmetric: boolean;
  /** Calls of `apply` (the fused pass counts in `fusedCount`). */
  applyCount = 0;
  /** Calls of `adjoint`. */
  adjointCount = 0;
  /** Calls of `residualAdjoint`. */
  fusedCount = 0;
  /** A short name for records and error messages. */
  abstract readonly name: string;

  constructor(m: number, n1: number, n2: number, symmetric: boolean) {
    this.m = m; this.n1 = n1; this.n2 = n2; this.N = n1 * n2; this.symmetric = symmetric;
  }

  /** out = A(X); X has n1·n2 entries (row-major), out has m. @returns out */
  apply(X: Vec, out: Vec): Vec {
    this.check('X', X, this.N); this.check('out', out, this.m);
    this.applyCount++;
    this._apply(X, out);
    return out;
  }

  /** S = A*(r) (reshape(Aᵀ r)); r has m entries, S has n1·n2. @returns S */
  adjoint(r: Vec, S: Vec): Vec {
    this.check('r', r, this.m); this.check('S', S, this.N);
    this.adjointCount++;
    this._adjoint(r, S);
    return S;
  }

  /**
   * The fused pass of a GD iteration: r = A(X) − b and S = A*(r). Dense operators read A once for both.
   * @returns ‖r‖²
   */
  residualAdjoint(X: Vec, b: Vec, r: Vec, S: Vec): number {
    this.check('X', X, this.N); this.check('b', b, this.m); this.check('r', r, this.m); this.check('S', S, this.N);
    this.fusedCount++;
    return this._residualAdjoint(X, b, r, S);
  }

  /**
   * True for operators whose passes run in other threads and can only be awaited (`MessageDenseOperator`): their
   * synchronous `apply`/`adjoint`/`residualAdjoint` throw, and solvers must use their async paths.
   */
  get asynchronous(): boolean { return false; }

  /** {@link apply}, awaitable: every operator has it; for a synchronous operator it is the same call. */
  async applyAsync(X: Vec, out: Vec): Promise<Vec> {
    this.check('X', X, this.N); this.check('out', out, this.m);
    this.applyCount++;
    await this._applyAsync(X, out);
    return out;
  }

  /** {@link adjoint}, awaitable. */
  async adjointAsync(r: Vec, S: Vec): Promise<Vec> {
    this.check('r', r, this.m); this.check('S', S, this.N);
    this.adjointCount++;
    await this._adjointAsync(r, S);
    return S;
  }

  /** {@link residualAdjoint}, awaitable. @returns ‖r‖² */
  async residualAdjointAsync(X: Vec, b: Vec, r: Vec, S: Vec): Promise<number> {
    this.check('X', X, this.N); this.check('b', b, this.m); this.check('r', r, this.m); this.check('S', S, this.N);
    this.fusedCount++;
    return this._residualAdjointAsync(X, b, r, S);
  }

  /** The adjoint as an operator view: `op.H.apply(r, S)` ≡ `op.adjoint(r, S)`. */
  get H(): { apply(r: Vec, S: Vec): Vec; readonly rows: number; readonly cols: number } {
    return { apply: (r: Vec, S: Vec) => this.adjoint(r, S), rows: this.N, cols: this.m };
  }

  /** Bytes this operator holds in wasm memory. */
  abstract get memoryBytes(): number;

  /** Release the operator's memory. */
  dispose(): void {}

  protected abstract _apply(X: Vec, out: Vec): void;
  protected abstract _adjoint(r: Vec, S: Vec): void;

  /** Default fused pass from the two hooks (two passes over the operator). */
  protected _residualAdjoint(X: Vec, b: Vec, r: Vec, S: Vec): number {
    this._apply(X, r);
    let ss = 0;
    for (let i = 0; i < this.m; i++) { const v = r[i] - b[i]; r[i] = v; ss += v * v; }
    this._adjoint(r, S);
    return ss;
  }

  /** Async hooks: by default the synchronous ones. An asynchronous operator overrides all three. */
  protected _applyAsync(X: Vec, out: Vec): Promise<void> | void { this._apply(X, out); }
  protected _adjointAsync(r: Vec, S: Vec): Promise<void> | void { this._adjoint(r, S); }
  protected _residualAdjointAsync(X: Vec, b: Vec, r: Vec, S: Vec): Promise<number> | number { return this._residualAdjoint(X, b, r, S); }

  private check(name: string, a: Vec, n: number): void {
    if (!(a instanceof Float64Array)) throw new ValidationError(`${this.name}: ${name} must be a Float64Array`);
    if (a.length !== n) throw new ValidationError(`${this.name}: ${name} has length ${a.length}, expected ${n} (m = ${this.m}, n1 × n2 = ${this.n1} × ${this.n2})`);
  }
}
