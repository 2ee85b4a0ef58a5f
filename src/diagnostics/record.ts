/**
 * The run record: the cheap diagnostics of docs/theory.md §7 at every iteration, as typed arrays
 * (train loss, relative residual, relative error when M* is known, test error when test data is given,
 * gradient norm, imbalance ‖FᵀF − GᵀG‖_F for the asymmetric model, wall time).
 */
import type { PassWorkspace } from '../operators/pass.js';
import type { Problem } from '../problems/problem.js';
import { Runtime, type F64Buf } from '../runtime.js';
import type { Callback, IterateState, SetupState } from './callback.js';
import { TruthDistance } from './truth.js';

/** Per-iteration arrays of a run; index t is the iterate after t updates. */
export interface RunRecord {
  /** Iteration numbers 0..T. */
  iter: Int32Array;
  /** f: ½‖A(FGᵀ) − y‖² (asymmetric) or ¼‖A(XXᵀ) − y‖² (symmetric). */
  loss: Float64Array;
  /** ‖A(X) − y‖ / ‖y‖. */
  relResidual: Float64Array;
  /** ‖X − M*‖_F / ‖M*‖_F (only when M* is known). */
  relError?: Float64Array;
  /** ‖A_test(X) − y_test‖ / ‖y_test‖ (only with test data). */
  testError?: Float64Array;
  /** ‖∇f‖ (Frobenius over both factors). */
  gradNorm: Float64Array;
  /** ‖FᵀF − GᵀG‖_F (asymmetric model only). */
  imbalance?: Float64Array;
  /** Wall time in ms since the run started, at each iterate. */
  timeMs: Float64Array;
}

/**
 * Records the cheap metrics; preallocates everything in `onSetup` so iterations allocate no runtime memory. The
 * relative error and the test error are computed from the estimate's factors (the test error by a residual-only
 * pass of the test operator), never from an n1 × n2 matrix the solver would have to form.
 */
export class CheapMetrics implements Callback {
  private n = 0;
  private cap = 0;
  private maxLen = 0;
  private arrays!: Required<RunRecord>;
  private hasErr = false;
  private hasTest = false;
  private hasImb = false;
  private gramF?: F64Buf;
  private gramG?: F64Buf;
  private truth?: TruthDistance;
  private test?: PassWorkspace;
  private readonly ss = new Float64Array(1);

  /** Runtime bytes `onSetup` allocates for a width-`k` model whose estimate factors have width `ke`. */
  static bytesFor(problem: Problem, kind: 'asymmetric' | 'symmetric', k: number, ke: number): number {
    const b = Runtime.blockBytes;
    return (kind === 'asymmetric' ? 2 * b(k * k * 8) : 0) + (problem.hasTruth ? TruthDistance.bytesFor(problem, ke) : 0)
      + (problem.test ? problem.test.op.workspaceBytes({ model: 'asymmetric', widths: [ke], precision: 'f64' }) : 0);
  }

  onSetup(s: SetupState): void {
    // Start small and double as needed: maxIter may be huge (a run meant to be stopped by tol or abort), and
    // preallocating maxIter + 1 entries would reserve gigabytes. Growth is amortized O(1), JS-side only.
    this.cap = Math.min(s.maxIter + 1, 4096);
    this.maxLen = s.maxIter + 1;
    this.n = 0;
    const f = () => new Float64Array(this.cap);
    this.arrays = { iter: new Int32Array(this.cap), loss: f(), relResidual: f(), relError: f(), testError: f(), gradNorm: f(), imbalance: f(), timeMs: f() };
    this.hasErr = s.problem.hasTruth;
    this.hasTest = s.problem.test !== undefined;
    this.hasImb = s.model.kind === 'asymmetric';
    if (this.hasImb) { this.gramF = s.rt.f64(s.model.k * s.model.k); this.gramG = s.rt.f64(s.model.k * s.model.k); }
    if (this.hasErr) this.truth = new TruthDistance(s.rt, s.problem, s.estimateWidth);
    if (this.hasTest) {
      const t = s.problem.test!;
      this.test = t.op.workspace(s.rt, { model: 'asymmetric', widths: [s.estimateWidth], precision: 'f64', y: t.y });
    }
  }

  onIterate(s: IterateState): void {
    if (this.n === this.cap) this.grow();
    const K = s.rt.kernels, t = this.n++;
    const a = this.arrays;
    a.iter[t] = s.iter;
    a.loss[t] = s.loss;
    a.relResidual[t] = s.relResidual;
    a.timeMs[t] = s.elapsedMs;
    const { model, grad, problem } = s;
    let g2 = K.dot_f64(grad.dF.ptr, grad.dF.ptr, grad.dF.length);
    if (model.kind === 'asymmetric') g2 += K.dot_f64(grad.dG.ptr, grad.dG.ptr, grad.dG.length);
    a.gradNorm[t] = Math.sqrt(g2);
    if (this.hasErr || this.hasTest) {
      const e = s.estimate();
      if (this.hasErr) a.relError[t] = this.truth!.relError(e);
      if (this.hasTest) {
        const test = problem.test!;
        this.test!.pass([{ slot: 0, F: e.F, G: e.G }], this.ss);
        const yn = Math.sqrt(K.dot_f64(test.y.ptr, test.y.ptr, test.y.length));
        a.testError[t] = Math.sqrt(this.ss[0]) / (yn > 0 ? yn : 1);
      }
    }
    if (this.hasImb) {
      const k = model.k;
      K.gram_f64(this.gramF!.ptr, model.F.ptr, model.n1, k);
      K.gram_f64(this.gramG!.ptr, model.G.ptr, model.n2, k);
      a.imbalance[t] = Math.sqrt(K.sqdist_f64(this.gramF!.ptr, this.gramG!.ptr, k * k));
    }
  }

  private grow(): void {
    this.cap = Math.min(this.cap * 2, this.maxLen);
    const a = this.arrays as unknown as Record<string, Float64Array | Int32Array>;
    for (const key of Object.keys(a)) {
      const old = a[key];
      const next = old instanceof Int32Array ? new Int32Array(this.cap) : new Float64Array(this.cap);
      next.set(old);
      a[key] = next;
    }
  }

  /** Drop the last recorded iterate (used when the solver rolls back a diverged step). */
  dropLast(): void { if (this.n > 0) this.n--; }

  /** Number of iterates recorded. */
  get length(): number { return this.n; }

  /** Last recorded value of a metric. */
  last(name: keyof RunRecord): number | undefined {
    const arr = (this.arrays as Record<string, ArrayLike<number>>)[name];
    return this.n > 0 && arr ? arr[this.n - 1] : undefined;
  }

  /** The record trimmed to the iterates actually reached (copies, safe to keep). */
  result(): RunRecord {
    const a = this.arrays, n = this.n;
    return {
      iter: a.iter.slice(0, n), loss: a.loss.slice(0, n), relResidual: a.relResidual.slice(0, n),
      relError: this.hasErr ? a.relError.slice(0, n) : undefined,
      testError: this.hasTest ? a.testError.slice(0, n) : undefined,
      gradNorm: a.gradNorm.slice(0, n),
      imbalance: this.hasImb ? a.imbalance.slice(0, n) : undefined,
      timeMs: a.timeMs.slice(0, n),
    };
  }

  dispose(): void {
    this.gramF?.free(); this.gramG?.free(); this.truth?.dispose(); this.test?.dispose();
    this.gramF = this.gramG = undefined; this.truth = undefined; this.test = undefined;
  }
}
