/**
 * The workspace of operators that work on the factors directly and never form an n1 × n2 matrix: they supply two
 * hooks (see {@link FactorHooks}) — the measurements of a factored matrix, A(F Gᵀ), and the products of an adjoint
 * with factors, A*(r)·G and A*(r)ᵀ·F — and this workspace does the rest: the residuals, the symmetric model's
 * ½(E + Eᵀ)X, the per-trajectory residuals kept for {@link PassWorkspace.products}, the extra pass, the checks.
 * Vectors are handed to the hooks as plain Float64Arrays (fresh views of the runtime's buffers, or JS arrays).
 */
import { StateError, ValidationError } from '../errors.js';
import type { F64Buf, Runtime } from '../runtime.js';
import type { MeasurementOperator } from './operator.js';
import type { PassItem, PassWorkspace, WorkspaceSpec } from './pass.js';

/** The factor-form hooks of an operator (all sizes in elements, matrices row-major). */
export interface FactorHooks {
  /** out (m) = A(F Gᵀ) for F (n1 × k) and G (n2 × k). */
  applyFactors(F: Float64Array, G: Float64Array, k: number, out: Float64Array): void;
  /**
   * With E = A*(r) (n1 × n2, never formed): EG (n1 × k) = E·G and EtF (n2 × k) = Eᵀ·F; either may be null (not
   * wanted). Overwrite the outputs.
   */
  adjointProducts(r: Float64Array, F: Float64Array, G: Float64Array, k: number, EG: Float64Array | null, EtF: Float64Array | null): void;
}

export class FactorFormWorkspace implements PassWorkspace {
  readonly bytes = 0;
  readonly synchronous = true;
  /** The residual of each slot's last main pass, and a spare one for extra passes. */
  private readonly residuals: Float64Array[];
  private readonly spare: Float64Array;
  private readonly tmp: Float64Array;
  private readonly held: Uint8Array;
  private disposed = false;

  constructor(private readonly rt: Runtime, private readonly op: MeasurementOperator, private readonly hooks: FactorHooks, readonly spec: WorkspaceSpec) {
    this.residuals = spec.widths.map(() => new Float64Array(op.m));
    this.spare = new Float64Array(op.m);
    this.tmp = new Float64Array(Math.max(op.n1, op.n2) * Math.max(...spec.widths));
    this.held = new Uint8Array(spec.widths.length);
  }

  pass(items: readonly PassItem[], rr: Float64Array): void {
    this.live();
    const B = this.spec.widths.length;
    if (items.length < 1 || items.length > B) throw new ValidationError(`a pass takes 1 to ${B} items, got ${items.length}`);
    const seen = new Set<number>();
    for (const it of items) {
      this.check(it);
      if (seen.has(it.slot)) throw new ValidationError(`slot ${it.slot} appears twice in one pass`);
      seen.add(it.slot);
    }
    this.held.fill(0);
    items.forEach((it, i) => {
      rr[i] = this.run(it, this.residuals[it.slot]);
      this.held[it.slot] = 1;
    });
    this.op.passCount += items.length;
  }

  async passAsync(items: readonly PassItem[], rr: Float64Array): Promise<void> { this.pass(items, rr); }

  extraPass(item: PassItem): number {
    this.live();
    this.check(item);
    this.op.passCount++;
    return this.run(item, this.spare);
  }

  products(slot: number, F: F64Buf, G: F64Buf, EG: F64Buf, EtF?: F64Buf): void {
    this.live();
    if (!this.held[slot]) throw new StateError(`products(): slot ${slot} has had no main pass whose residual is still held`);
    this.gradient(this.residuals[slot], F, G, this.spec.widths[slot], EG, EtF);
  }

  dispose(): void { this.disposed = true; }

  /** r = A(F Gᵀ) − y, the wanted products; @returns ‖r‖². */
  private run(it: PassItem, r: Float64Array): number {
    const k = this.spec.widths[it.slot], y = this.spec.y.a;
    this.hooks.applyFactors(it.F.a, it.G.a, k, r);
    let ss = 0;
    for (let i = 0; i < r.length; i++) { const v = r[i] - y[i]; r[i] = v; ss += v * v; }
    if (it.EG || it.EtF) this.gradient(r, it.F, it.G, k, it.EG, it.EtF);
    if (it.residual) it.residual.a.set(r);
    return ss;
  }

  /** E·G, Eᵀ·F (asymmetric); ½(E + Eᵀ)X (symmetric; E·X when the operator sees only symmetric matrices). */
  private gradient(r: Float64Array, F: F64Buf, G: F64Buf, k: number, EG?: F64Buf, EtF?: F64Buf): void {
    if (this.spec.model === 'asymmetric') {
      this.hooks.adjointProducts(r, F.a, G.a, k, EG ? EG.a : null, EtF ? EtF.a : null);
      return;
    }
    if (!EG) return;
    const n = this.op.n1, eg = EG.a;
    if (this.op.seesOnlySymmetric) { this.hooks.adjointProducts(r, F.a, F.a, k, eg, null); return; }
    const t = this.tmp.subarray(0, n * k);
    this.hooks.adjointProducts(r, F.a, F.a, k, eg, t);
    for (let i = 0; i < n * k; i++) eg[i] = 0.5 * (eg[i] + t[i]);
  }

  private live(): void {
    if (this.disposed) throw new StateError('this workspace has been disposed');
    this.op.checkLive();
    if (this.rt.isDisposed) throw new StateError('the runtime of this workspace has been disposed');
  }

  private check(it: PassItem): void {
    const k = this.spec.widths[it.slot], { n1, n2, m } = this.op, asym = this.spec.model === 'asymmetric';
    if (k === undefined) throw new ValidationError(`slot ${it.slot} is not a trajectory of this workspace (B = ${this.spec.widths.length})`);
    const len = (b: F64Buf | undefined, n: number, what: string) => {
      if (b !== undefined && b.length !== n) throw new ValidationError(`pass item ${it.slot}: ${what} has ${b.length} entries, expected ${n}`);
    };
    len(it.F, n1 * k, 'F'); len(it.G, (asym ? n2 : n1) * k, 'G'); len(it.EG, n1 * k, 'EG'); len(it.EtF, n2 * k, 'EtF'); len(it.residual, m, 'residual');
    if (!asym && it.G !== it.F) throw new ValidationError('the symmetric model takes G = F (= X)');
  }
}
