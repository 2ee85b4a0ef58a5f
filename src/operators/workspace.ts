/**
 * The workspace of operators that form X = F Gᵀ and E = A*(r) as dense n1 × n2 matrices (the dense, identity and
 * Gram operators, and the default of any operator): it forms each trajectory's X, lets the operator compute the
 * residuals and E for all of them in one call, then takes the small products E·G and Eᵀ·F. Each slot's E stays
 * until the next main pass (for {@link PassWorkspace.products}); extra passes use spare buffers.
 *
 * Main buffers: X (B × N), E (B × N, then the B values ‖r_p‖²), R (B × m); spare: the same for one trajectory.
 */
import { StateError, ValidationError } from '../errors.js';
import { Runtime, type F64Buf } from '../runtime.js';
import type { MeasurementOperator } from './operator.js';
import type { PassItem, PassWorkspace, WorkspaceSpec } from './pass.js';

interface Buffers { X: F64Buf; E: F64Buf; R: F64Buf }

export abstract class DenseFormWorkspace implements PassWorkspace {
  readonly bytes: number;
  private readonly main: Buffers;
  private readonly spare: Buffers;
  /** n × kmax scratch for the symmetric model's ½(E + Eᵀ)X. */
  private readonly tmp?: F64Buf;
  /** Position of each slot in the last main pass (−1: none). */
  private readonly position: Int32Array;
  private readonly slots: number[] = [];
  private disposed = false;

  constructor(protected readonly rt: Runtime, protected readonly operator: MeasurementOperator, readonly spec: WorkspaceSpec) {
    const { N, m, n1 } = operator, B = spec.widths.length;
    const kmax = Math.max(...spec.widths);
    this.bytes = DenseFormWorkspace.bytesFor(operator, spec);
    const bufs: F64Buf[] = [];
    const f64 = (n: number) => { const b = rt.f64(n); bufs.push(b); return b; };
    try {
      this.main = { X: f64(B * N), E: f64(B * N + B), R: f64(B * m) };
      this.spare = { X: f64(N), E: f64(N + 1), R: f64(m) };
      if (spec.model === 'symmetric' && !operator.seesOnlySymmetric) this.tmp = f64(n1 * kmax);
    } catch (e) {
      for (const b of bufs) b.free();
      throw e;
    }
    this.position = new Int32Array(B).fill(-1);
  }

  /** Bytes of these buffers for `spec` (what {@link MeasurementOperator.workspaceBytes} reports by default). */
  static bytesFor(op: MeasurementOperator, spec: Omit<WorkspaceSpec, 'y'>): number {
    const b = Runtime.blockBytes, B = spec.widths.length, { N, m, n1 } = op, kmax = Math.max(...spec.widths);
    return b(B * N * 8) + b((B * N + B) * 8) + b(B * m * 8) + b(N * 8) + b((N + 1) * 8) + b(m * 8)
      + (spec.model === 'symmetric' && !op.seesOnlySymmetric ? b(n1 * kmax * 8) : 0);
  }

  get synchronous(): boolean { return this.operator.synchronous; }
  get isDisposed(): boolean { return this.disposed; }

  /**
   * r_p = A(X_p) − y and, when `needE`, E_p = A*(r_p) for p < count: X_p at p·N of X, E_p at p·N of E, ‖r_p‖² at
   * count·N + p of E, r_p at p·m of R. `slots[p]` is the trajectory of position p.
   */
  protected abstract residualAdjoint(count: number, X: F64Buf, E: F64Buf, R: F64Buf, slots: readonly number[], needE: boolean, main: boolean): void;

  /** {@link residualAdjoint}, awaitable; by default the synchronous one. `main`: a main pass (not an extra one). */
  protected residualAdjointAsync(count: number, X: F64Buf, E: F64Buf, R: F64Buf, slots: readonly number[], needE: boolean, main: boolean): Promise<void> | void {
    this.residualAdjoint(count, X, E, R, slots, needE, main);
  }

  pass(items: readonly PassItem[], rr: Float64Array): void {
    const needE = this.begin(items);
    this.residualAdjoint(items.length, this.main.X, this.main.E, this.main.R, this.slots, needE, true);
    this.finish(items, rr, this.main);
  }

  async passAsync(items: readonly PassItem[], rr: Float64Array): Promise<void> {
    const needE = this.begin(items);
    await this.residualAdjointAsync(items.length, this.main.X, this.main.E, this.main.R, this.slots, needE, true);
    if (this.disposed) throw new StateError('the workspace was disposed while its pass was running');
    this.operator.checkLive();
    this.finish(items, rr, this.main);
  }

  extraPass(item: PassItem): number {
    this.live();
    this.checkItem(item);
    this.formX(this.spare.X, 0, item);
    this.residualAdjoint(1, this.spare.X, this.spare.E, this.spare.R, [item.slot], item.EG !== undefined || item.EtF !== undefined, false);
    this.operator.passCount++;
    const rr = new Float64Array(1);
    this.output(item, 0, 1, this.spare, rr, 0);
    return rr[0];
  }

  products(slot: number, F: F64Buf, G: F64Buf, EG: F64Buf, EtF?: F64Buf): void {
    this.live();
    const p = this.position[slot];
    if (p === undefined || p < 0) throw new StateError(`products(): slot ${slot} has had no main pass whose residual is still held`);
    const k = this.widthOf(slot);
    this.gradientProducts(this.main.E.ptr + p * this.operator.N * 8, F, G, k, EG, EtF);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of [this.main.X, this.main.E, this.main.R, this.spare.X, this.spare.E, this.spare.R, this.tmp]) b?.free();
    this.disposeOwn();
  }

  /** Free what a subclass allocated (called once, by {@link dispose}). */
  protected disposeOwn(): void {}

  private live(): void {
    if (this.disposed) throw new StateError('this workspace has been disposed');
    this.operator.checkLive();
  }

  private widthOf(slot: number): number {
    const k = this.spec.widths[slot];
    if (k === undefined) throw new ValidationError(`slot ${slot} is not a trajectory of this workspace (B = ${this.spec.widths.length})`);
    return k;
  }

  private checkItem(it: PassItem): void {
    const k = this.widthOf(it.slot), { n1, n2 } = this.operator, asym = this.spec.model === 'asymmetric';
    const len = (b: F64Buf | undefined, n: number, what: string) => {
      if (b !== undefined && b.length !== n) throw new ValidationError(`pass item ${it.slot}: ${what} has ${b.length} entries, expected ${n}`);
    };
    len(it.F, n1 * k, 'F'); len(it.G, (asym ? n2 : n1) * k, 'G'); len(it.EG, n1 * k, 'EG'); len(it.EtF, n2 * k, 'EtF');
    len(it.residual, this.operator.m, 'residual');
    if (!asym && it.G !== it.F) throw new ValidationError('the symmetric model takes G = F (= X)');
  }

  /** Checks, forms every X_p; @returns whether any item wants gradient products. */
  private begin(items: readonly PassItem[]): boolean {
    this.live();
    const B = this.spec.widths.length;
    if (items.length < 1 || items.length > B) throw new ValidationError(`a pass takes 1 to ${B} items, got ${items.length}`);
    this.position.fill(-1);
    this.slots.length = 0;
    let needE = false;
    items.forEach((it, p) => {
      this.checkItem(it);
      if (this.position[it.slot] >= 0) throw new ValidationError(`slot ${it.slot} appears twice in one pass`);
      this.position[it.slot] = p;
      this.slots.push(it.slot);
      this.formX(this.main.X, p, it);
      needE ||= it.EG !== undefined || it.EtF !== undefined;
    });
    this.operator.passCount += items.length;
    return needE;
  }

  private formX(X: F64Buf, p: number, it: PassItem): void {
    const { n1, n2 } = this.operator;
    this.rt.kernels.gemm_nt_f64(X.ptr + p * n1 * n2 * 8, it.F.ptr, it.G.ptr, n1, n2, this.widthOf(it.slot));
  }

  private finish(items: readonly PassItem[], rr: Float64Array, b: Buffers): void {
    items.forEach((it, p) => this.output(it, p, items.length, b, rr, p));
  }

  private output(it: PassItem, p: number, count: number, b: Buffers, rr: Float64Array, at: number): void {
    const { N, m } = this.operator;
    rr[at] = b.E.a[count * N + p];
    if (it.EG || it.EtF) this.gradientProducts(b.E.ptr + p * N * 8, it.F, it.G, this.widthOf(it.slot), it.EG, it.EtF);
    if (it.residual) it.residual.a.set(b.R.a.subarray(p * m, (p + 1) * m));
  }

  /** E·G and Eᵀ·F (asymmetric), ½(E + Eᵀ)X (symmetric; E·X when the operator sees only symmetric matrices). */
  private gradientProducts(E: number, F: F64Buf, G: F64Buf, k: number, EG?: F64Buf, EtF?: F64Buf): void {
    const K = this.rt.kernels, { n1, n2 } = this.operator;
    if (this.spec.model === 'asymmetric') {
      if (EG) K.gemm_nn_f64(EG.ptr, E, G.ptr, n1, k, n2);
      if (EtF) K.gemm_tn_f64(EtF.ptr, E, F.ptr, n2, k, n1);
      return;
    }
    if (!EG) return;
    K.gemm_nn_f64(EG.ptr, E, F.ptr, n1, k, n1);
    if (this.tmp) {
      K.gemm_tn_f64(this.tmp.ptr, E, F.ptr, n1, k, n1);
      K.add_f64(EG.ptr, EG.ptr, this.tmp.ptr, n1 * k);
      K.scal_f64(EG.ptr, 0.5, n1 * k);
    }
  }
}
