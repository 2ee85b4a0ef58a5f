// §9.7: an under-sampled problem must not look like a success.
import { beforeAll, describe, expect, it } from 'vitest';
import { createProblem, solveSync, type Runtime } from '../../src/index.js';
import { RecoveryWarnings, degreesOfFreedomWarnings } from '../../src/diagnostics/recovery.js';
import { runtime } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { rt = await runtime(); });

describe('§9.7 degrees of freedom and "interpolating but not recovering"', () => {
  it('an under-sampled problem fitted at full width from a large init interpolates and is flagged', () => {
    // n = 10, r = 2: r(2n − r) = 36, k(2n − k) = 100 at k = 10; m = 30 < both
    const p = createProblem(rt, { n1: 10, r: 2, m: 30, mTest: 100, seed: 3 });
    try {
      const res = solveSync(rt, p, { k: 10, eta: 0.25, init: { alpha: 0.3 }, maxIter: 5000, tol: 1e-6 });
      expect(res.stopReason).toBe('converged');
      expect(res.record.testError!.at(-1)!).toBeGreaterThan(0.3);
      expect(res.warnings.some((w) => w.startsWith('under-sampled: m = 30'))).toBe(true);
      expect(res.warnings.some((w) => /k\(n1 \+ n2 − k\) = 100/.test(w))).toBe(true);
      expect(res.warnings.some((w) => w.startsWith('interpolating but not recovering'))).toBe(true);
      expect(res.diagnostics.recovery).toEqual({ degreesOfFreedom: expect.any(Array), interpolating: true });
    } finally { p.dispose(); }
  });

  it('a well-sampled exact-width run that recovers M* has no warnings', () => {
    const p = createProblem(rt, { n1: 10, r: 2, m: 200, mTest: 50, seed: 3 });
    try {
      const res = solveSync(rt, p, { k: 2, init: { alpha: 1e-3 }, maxIter: 2000, tol: 1e-8 });
      expect(res.stopReason).toBe('converged');
      expect(res.warnings).toEqual([]);
    } finally { p.dispose(); }
  });

  it('without test data the relative error against a known M* is used', () => {
    const w = new RecoveryWarnings({ last: (n) => ({ relResidual: 1e-5, relError: 0.5 } as Record<string, number>)[n] });
    w.onSetup({ problem: { m: 1000, n1: 10, n2: 10, r: 2, Mstar: {}, op: { sampleComplexityWarning: () => undefined } } as never, model: { k: 2 } as never });
    expect(w.warnings()).toEqual([expect.stringMatching(/relative error ‖X − M\*‖_F/)]);
    expect(degreesOfFreedomWarnings(50, 10, 10, 10, 2)).toHaveLength(1); // 36 ≤ m < 100: only the width-k warning
    expect(degreesOfFreedomWarnings(100, 10, 10, 10, 2)).toEqual([]); // m = n1·n2: the operator can be injective
    expect(degreesOfFreedomWarnings(30, 10, 10, 2, 2)).toHaveLength(2);
  });
});
