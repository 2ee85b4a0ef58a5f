/**
 * The adjoint dot-test (after PyLops' `dottest`): for random X and v, ⟨A(X), v⟩ must equal ⟨X, A*(v)⟩ up to rounding.
 * Any operator — including your own — can be checked with it.
 */
import type { MeasurementOperator } from '../operators/operator.js';

export interface DotTestResult {
  passed: boolean;
  /** ⟨A(X), v⟩ */
  lhs: number;
  /** ⟨X, A*(v)⟩ */
  rhs: number;
  /**
   * |lhs − rhs| / max(‖A(X)‖‖v‖, ‖X‖‖A*(v)‖): the difference against the scale that bounds the rounding of the two
   * inner products (Cauchy–Schwarz). Not against |lhs|, which cancellation can make arbitrarily small, so that a
   * correct operator would fail at random; a wrong adjoint still errs by a fraction of this scale of order 1/√m.
   */
  relError: number;
}

/** Run the dot-test with a deterministic pseudo-random X and v. Default rtol 1e-6 (the dense operator is f32). */
export function dotTest(op: MeasurementOperator, opts: { rtol?: number; seed?: number } = {}): DotTestResult {
  const rtol = opts.rtol ?? 1e-6;
  let s = (opts.seed ?? 1) >>> 0;
  const rnd = () => { s = (s + 0x6d2b79f5) >>> 0; let t = Math.imul(s ^ (s >>> 15), s | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5; };
  const X = Float64Array.from({ length: op.N }, rnd);
  const v = Float64Array.from({ length: op.m }, rnd);
  const AX = op.apply(X, new Float64Array(op.m));
  const Av = op.adjoint(v, new Float64Array(op.N));
  let lhs = 0, rhs = 0, nAX = 0, nv = 0, nX = 0, nAv = 0;
  for (let i = 0; i < op.m; i++) { lhs += AX[i] * v[i]; nAX += AX[i] * AX[i]; nv += v[i] * v[i]; }
  for (let j = 0; j < op.N; j++) { rhs += X[j] * Av[j]; nX += X[j] * X[j]; nAv += Av[j] * Av[j]; }
  const scale = Math.max(Math.sqrt(nAX * nv), Math.sqrt(nX * nAv), 1e-300);
  const relError = Math.abs(lhs - rhs) / scale;
  return { passed: relError <= rtol, lhs, rhs, relError };
}
