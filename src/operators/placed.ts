/**
 * Operators in factor form whose measurements (their "rows") live on a placement (src/placement/): matrix completion
 * and rank-one measurements. A pass of one trajectory is one block program run on every row block and reduced; the
 * operator says which program, with which parameters, and how the factors go in and the products come out. This
 * module supplies the rest for all of them: the workspace (per-trajectory residuals kept for `products`, the symmetric
 * model's ½(E + Eᵀ)X, the extra pass, sync and async), the vec forms (through identity factors: A(X) = A(X·Iᵀ) and
 * A*(r) = A*(r)·I), and the back projection A*(y) as block products (never formed).
 */
import { StateError, ValidationError } from '../errors.js';
import type { ProgramName } from '../kernels/programs.js';
import type { Job, Placement, PlacementKind } from '../placement/placement.js';
import { F64Buf, Runtime } from '../runtime.js';
import { MeasurementOperator, type Vec } from './operator.js';
import { denseMap, type LinearMap, type PassItem, type PassWorkspace, type Precision, type WorkspaceSpec } from './pass.js';

/** What a factor job needs to know. */
export interface FactorJobOptions {
  k: number;
  /** The factors are one (X Xᵀ): G = F. */
  symModel: boolean;
  precision: Precision;
  wantEG: boolean;
  wantEtF: boolean;
  /** The residual is given (rowsIn): only the products are computed. */
  given: boolean;
}

/** A job's program and sizes. */
export interface FactorJobShape {
  program: ProgramName;
  params: number[];
  inputLen: number;
  partialLen: number;
}

/** A linear map that can also multiply blocks of vectors at once (one operator pass per block). */
export interface BlockLinearMap extends LinearMap {
  /** out (rows × l) = M X for X (cols × l), row-major. */
  applyBlock(X: Float64Array, l: number, out: Float64Array): void;
  /** out (cols × l) = Mᵀ X for X (rows × l). */
  applyTBlock(X: Float64Array, l: number, out: Float64Array): void;
  /** Free its runtime buffers. */
  dispose(): void;
}

export abstract class PlacedOperator extends MeasurementOperator {
  constructor(readonly rt: Runtime, readonly rows: Placement, m: number, n1: number, n2: number, seesOnlySymmetric: boolean) {
    super(m, n1, n2, seesOnlySymmetric);
    rt.own(this);
  }

  /** The job of one trajectory (see the concrete operators). */
  abstract jobShape(o: FactorJobOptions): FactorJobShape;
  /** Write the factors into the job's input (length `jobShape(...).inputLen`). */
  abstract fillInput(F: F64Buf, G: F64Buf, k: number, symModel: boolean, input: F64Buf): void;
  /** Read E·G into EG and Eᵀ·F into EtF from a reduced partial output. @returns ‖r‖² */
  abstract readOutput(partial: F64Buf, k: number, EG: F64Buf | undefined, EtF: F64Buf | undefined): number;

  override get synchronous(): boolean { return this.rows.synchronous; }
  override get threads(): number { return this.rows.threads; }
  override get placement(): PlacementKind { return this.rows.kind; }
  get memoryBytes(): number { return this.rows.runtimeBytes; }
  protected override runtimeDisposed(): boolean { return this.rt.isDisposed; }

  override workspaceBytes(spec: Omit<WorkspaceSpec, 'y'>): number { return PlacedWorkspace.bytesFor(this, spec); }

  protected override _workspace(rt: Runtime, spec: WorkspaceSpec): PassWorkspace {
    if (rt !== this.rt) throw new ValidationError(`${this.name}: an operator serves solvers of the runtime it was made in`);
    return new PlacedWorkspace(this, spec);
  }

  /** A one-off job through temporary buffers (vec forms, back projection). */
  private oneOff(o: FactorJobOptions, F: Float64Array, G: Float64Array, rowsIn: Float64Array, EG?: Float64Array, EtF?: Float64Array, r?: Float64Array): Job & { finish(): number; free(): void } {
    const rt = this.rt, { n1, n2, m } = this, k = o.k, shape = this.jobShape(o);
    const bufs: F64Buf[] = [];
    const f64 = (n: number) => { const b = rt.f64(n); bufs.push(b); return b; };
    const Fb = f64(n1 * k).set(F), Gb = o.symModel ? Fb : f64(n2 * k).set(G);
    const input = f64(shape.inputLen), partial = f64(shape.partialLen), yb = f64(m).set(rowsIn), R = f64(o.given ? 1 : m);
    const EGb = EG ? f64(n1 * k) : undefined, EtFb = EtF ? f64(n2 * k) : undefined;
    this.fillInput(Fb, Gb, k, o.symModel, input);
    return {
      program: shape.program, params: shape.params, inputLen: shape.inputLen, rowsIn: 1, rowsOut: o.given ? 0 : 1,
      partialLen: shape.partialLen, input, rowsInBuf: yb, rowsOutBuf: o.given ? undefined : R, out: partial,
      finish: () => {
        const ss = this.readOutput(partial, k, EGb, EtFb);
        if (EG) EG.set(EGb!.a);
        if (EtF) EtF.set(EtFb!.a);
        if (r) r.set(R.a);
        return ss;
      },
      free: () => { for (const b of bufs) b.free(); },
    };
  }

  /** The n × n identity, row-major. */
  private static eye(n: number): Float64Array { const I = new Float64Array(n * n); for (let i = 0; i < n; i++) I[i * n + i] = 1; return I; }

  // vec forms through identity factors: A(X) = A(X · Iᵀ) with F = X (k = n2), A*(r) = A*(r) · I
  protected _apply(X: Vec, out: Vec): void { this.vec('apply', X, out, false) as void; }
  protected _adjoint(r: Vec, S: Vec): void { this.vec('adjoint', r, S, false) as void; }
  protected override _applyAsync(X: Vec, out: Vec): Promise<void> { return this.vec('apply', X, out, true) as Promise<void>; }
  protected override _adjointAsync(r: Vec, S: Vec): Promise<void> { return this.vec('adjoint', r, S, true) as Promise<void>; }

  private vec(which: 'apply' | 'adjoint', v: Vec, out: Vec, async: boolean): void | Promise<void> {
    const { n1, n2, m } = this, I = PlacedOperator.eye(n2), apply = which === 'apply';
    const o: FactorJobOptions = { k: n2, symModel: false, precision: 'f64', wantEG: !apply, wantEtF: false, given: !apply };
    const job = apply
      ? this.oneOff(o, v, I, new Float64Array(m), undefined, undefined, out)
      : this.oneOff(o, new Float64Array(n1 * n2), I, v, out);
    const done = () => { try { job.finish(); } finally { job.free(); } };
    if (async) return this.rows.runAsync(job).then(done, (e) => { job.free(); throw e; });
    try { this.rows.run(job); } catch (e) { job.free(); throw e; }
    done();
  }

  /**
   * The back projection M̂ (A*(y), corrected by {@link correctBackProjection}) as block products: one pass over the
   * measurements per block of vectors, never formed. It holds one block's buffers in the runtime until disposed (a
   * problem disposes its back projection with itself), and a copy of y — unless y is given as a buffer of this
   * runtime, which it then reads in place (at m = 8·10⁶ that saves 64 MB): such a y must stay allocated and unchanged
   * while the map is in use (a problem's own y does). Synchronous placements.
   */
  override backProjection(y: Vec | F64Buf): BlockLinearMap {
    this.checkLive();
    if (!this.synchronous) throw this.asyncOnly('backProjection');
    const { n1, n2, m, rt } = this;
    const borrowed = y instanceof F64Buf && y.rt === rt;
    if (y instanceof F64Buf && !borrowed) y = y.a;
    if (y.length !== m) throw new ValidationError(`${this.name}: y has ${y.length} entries, expected m = ${m}`);
    let yb: F64Buf;
    if (borrowed) yb = y as F64Buf;
    else {
      const v = y as Vec;
      // y may be a view of the runtime's memory, which the allocation below can detach: keep its place, not the view
      const inRuntime = v.buffer === rt.memory.buffer ? new F64Buf(rt, v.byteOffset, v.length) : undefined;
      yb = rt.f64(m);
      yb.set(inRuntime ? inRuntime.a : v);
    }
    let bufs: { l: number; F: F64Buf; G: F64Buf; input: F64Buf; partial: F64Buf; out: F64Buf } | undefined;
    const freeBufs = () => { if (bufs) for (const b of [bufs.F, bufs.G, bufs.input, bufs.partial, bufs.out]) b.free(); bufs = undefined; };
    const block = (X: Float64Array, l: number, out: Float64Array, transpose: boolean) => {
      this.checkLive();
      if (!bufs || bufs.l < l) {
        freeBufs();
        const shape = this.jobShape({ k: l, symModel: false, precision: 'f64', wantEG: true, wantEtF: true, given: true });
        bufs = { l, F: rt.f64(n1 * l), G: rt.f64(n2 * l), input: rt.f64(shape.inputLen), partial: rt.f64(shape.partialLen), out: rt.f64(Math.max(n1, n2) * l) };
      }
      const Fb = new F64Buf(rt, bufs.F.ptr, n1 * l), Gb = new F64Buf(rt, bufs.G.ptr, n2 * l);
      (transpose ? Fb : Gb).set(X);
      (transpose ? Gb : Fb).a.fill(0);
      const o: FactorJobOptions = { k: l, symModel: false, precision: 'f64', wantEG: !transpose, wantEtF: transpose, given: true };
      const shape = this.jobShape(o);
      this.fillInput(Fb, Gb, l, false, bufs.input);
      this.rows.run({
        program: shape.program, params: shape.params, inputLen: shape.inputLen, rowsIn: 1, rowsOut: 0, partialLen: shape.partialLen,
        input: bufs.input, rowsInBuf: yb, out: bufs.partial,
      });
      const res = new F64Buf(rt, bufs.out.ptr, (transpose ? n2 : n1) * l);
      this.readOutput(bufs.partial, l, transpose ? undefined : res, transpose ? res : undefined);
      out.set(res.a);
      this.correctBackProjection(X, l, out, yb.a);
    };
    return {
      rows: n1, cols: n2,
      apply: (x, out) => block(x, 1, out, false),
      applyT: (x, out) => block(x, 1, out, true),
      applyBlock: (X, l, out) => block(X, l, out, false),
      applyTBlock: (X, l, out) => block(X, l, out, true),
      dispose: () => { freeBufs(); if (!rt.isDisposed && !borrowed) yb.free(); },
    };
  }

  /** Operators whose E[A*A] is not the identity correct A*(y)·X in place (default: nothing to correct). */
  protected correctBackProjection(_X: Float64Array, _l: number, _out: Float64Array, _y: Float64Array): void {}

  /** {@link backProjection} where the placement is asynchronous: A*(y) formed densely (n1·n2 ≤ 2^24). */
  override async backProjectionAsync(y: Vec): Promise<LinearMap> {
    if (this.synchronous) return this.backProjection(y);
    const { n1, n2 } = this;
    const yc = Float64Array.from(y); // y may be a view of runtime memory that the allocations below detach
    if (n1 * n2 > 2 ** 24) {
      throw new ValidationError(`${this.name}: the back projection (step size, spectral init) of an operator reached by message is formed densely, ` +
        `and ${n1} × ${n2} is too large for that: use shared or private memory (Node, or a cross-origin-isolated page's Web Worker)`);
    }
    const S = await this.adjointAsync(yc, new Float64Array(n1 * n2));
    const I = PlacedOperator.eye(n2);
    this.correctBackProjection(I, n2, S, yc);
    return denseMap(S, n1, n2);
  }

  protected override _dispose(): void {
    this.rows.dispose();
    this.rt.disown(this);
  }

  /** {@link dispose}, then wait until every worker has exited. */
  async close(): Promise<void> { this.dispose(); await this.rows.close(); }

  /** Workers that have exited (tests). */
  get exitedWorkers(): number { return this.rows.exitedWorkers; }
}

/** The workspace of a {@link PlacedOperator}: one job per trajectory, each slot's residual kept for `products`. */
class PlacedWorkspace implements PassWorkspace {
  readonly bytes: number;
  private readonly R: F64Buf[];
  /** Residual buffer of extra passes (AGN), allocated on first use. */
  private spare?: F64Buf;
  private readonly input: F64Buf;
  private readonly partial: F64Buf;
  private readonly tmp: F64Buf;
  private readonly held: Uint8Array;
  private disposed = false;

  constructor(private readonly op: PlacedOperator, readonly spec: WorkspaceSpec) {
    const rt = op.rt, { m, n1, n2 } = op, kmax = Math.max(...spec.widths);
    this.bytes = PlacedWorkspace.bytesFor(op, spec);
    const shape = op.jobShape({ k: kmax, symModel: spec.model === 'symmetric', precision: spec.precision, wantEG: true, wantEtF: true, given: false });
    const bufs: F64Buf[] = [];
    const f64 = (n: number) => { const b = rt.f64(n); bufs.push(b); return b; };
    try {
      this.R = spec.widths.map(() => f64(m));
      this.input = f64(shape.inputLen);
      this.partial = f64(shape.partialLen);
      this.tmp = f64(Math.max(n1, n2) * kmax);
    } catch (e) { for (const b of bufs) b.free(); throw e; }
    this.held = new Uint8Array(spec.widths.length);
  }

  /**
   * Runtime bytes, with the placement's scratch and partial outputs for its jobs (the extra pass's residual, allocated
   * only if a method makes extra passes, is not counted).
   */
  static bytesFor(op: PlacedOperator, spec: Omit<WorkspaceSpec, 'y'>): number {
    const b = Runtime.blockBytes, { m, n1, n2 } = op, kmax = Math.max(...spec.widths);
    const shape = op.jobShape({ k: kmax, symModel: spec.model === 'symmetric', precision: spec.precision, wantEG: true, wantEtF: true, given: false });
    return spec.widths.length * b(m * 8) + b(shape.inputLen * 8) + b(shape.partialLen * 8) + b(Math.max(n1, n2) * kmax * 8) +
      op.rows.jobBytes(shape.program, shape.params, shape.partialLen);
  }

  get synchronous(): boolean { return this.op.synchronous; }

  pass(items: readonly PassItem[], rr: Float64Array): void {
    this.begin(items);
    items.forEach((it, i) => {
      this.op.rows.run(this.job(it, this.R[it.slot], false));
      rr[i] = this.finish(it, this.R[it.slot]);
      this.held[it.slot] = 1;
    });
  }

  async passAsync(items: readonly PassItem[], rr: Float64Array): Promise<void> {
    this.begin(items);
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      await this.op.rows.runAsync(this.job(it, this.R[it.slot], false));
      if (this.disposed) throw new StateError('the workspace was disposed while its pass was running');
      this.op.checkLive();
      rr[i] = this.finish(it, this.R[it.slot]);
      this.held[it.slot] = 1;
    }
  }

  extraPass(item: PassItem): number {
    this.live();
    this.check(item);
    this.op.passCount++;
    const spare = (this.spare ??= this.op.rt.f64(this.op.m));
    this.op.rows.run(this.job(item, spare, false));
    return this.finish(item, spare);
  }

  products(slot: number, F: F64Buf, G: F64Buf, EG: F64Buf, EtF?: F64Buf): void {
    this.live();
    if (!this.held[slot]) throw new StateError(`products(): slot ${slot} has had no main pass whose residual is still held`);
    const it: PassItem = { slot, F, G, EG, EtF };
    this.op.rows.run(this.job(it, this.R[slot], true));
    this.finish(it, this.R[slot]);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of [...this.R, this.input, this.partial, this.tmp]) b.free();
    this.spare?.free();
  }

  private begin(items: readonly PassItem[]): void {
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
    this.op.passCount += items.length;
  }

  /** The job of one trajectory: the symmetric model on an operator that sees more than symmetric matrices needs both products. */
  private job(it: PassItem, R: F64Buf, given: boolean): Job {
    const k = this.spec.widths[it.slot], symModel = this.spec.model === 'symmetric';
    const wantEG = it.EG !== undefined, wantEtF = symModel ? wantEG && !this.op.seesOnlySymmetric : it.EtF !== undefined;
    const shape = this.op.jobShape({ k, symModel, precision: this.spec.precision, wantEG, wantEtF, given });
    this.op.fillInput(it.F, it.G, k, symModel, this.input);
    return {
      program: shape.program, params: shape.params, inputLen: shape.inputLen, rowsIn: 1, rowsOut: given ? 0 : 1,
      partialLen: shape.partialLen, input: this.input, rowsInBuf: given ? R : this.spec.y, rowsOutBuf: given ? undefined : R, out: this.partial,
    };
  }

  /** The products out of the partial output (and the residual out of R); @returns ‖r‖². */
  private finish(it: PassItem, R: F64Buf): number {
    const k = this.spec.widths[it.slot], { n1 } = this.op;
    if (it.residual) it.residual.a.set(R.a);
    if (this.spec.model === 'asymmetric' || !it.EG || this.op.seesOnlySymmetric) return this.op.readOutput(this.partial, k, it.EG, it.EtF);
    // the symmetric model on an operator that sees more than symmetric matrices: ½(E X + Eᵀ X)
    const t = new F64Buf(this.op.rt, this.tmp.ptr, n1 * k);
    const ss = this.op.readOutput(this.partial, k, it.EG, t);
    const K = this.op.rt.kernels;
    K.add_f64(it.EG.ptr, it.EG.ptr, t.ptr, n1 * k);
    K.scal_f64(it.EG.ptr, 0.5, n1 * k);
    return ss;
  }

  private live(): void {
    if (this.disposed) throw new StateError('this workspace has been disposed');
    this.op.checkLive();
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
