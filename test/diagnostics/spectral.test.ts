// The spectral diagnostics (docs/theory.md §7), the phase estimates, and the facts of §9.4–§9.5 they make visible.
import { beforeAll, describe, expect, it } from 'vitest';
import { createProblem, problemFromData, solveSync, Solver, ValidationError, type Runtime } from '../../src/index.js';
import { SpectralDiagnostics, estimatePhases, signalNoiseSplit, type SpectralRecord } from '../../src/diagnostics/spectral.js';
import { runtime } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { rt = await runtime(); });

describe('§9.4 full width k = n: smaller α generalizes better (Gaussian operator, m < n²)', () => {
  it('the final test error falls monotonically as α falls (0.3 → 0.1 → 0.01 → 1e-4)', () => {
    const p = createProblem(rt, { n1: 12, r: 2, m: 100, mTest: 100, seed: 5 });
    try {
      const test = [0.3, 0.1, 1e-2, 1e-4].map((alpha) => {
        const res = solveSync(rt, p, { k: 12, eta: 0.25, init: { alpha }, maxIter: 3000, tol: 1e-6 });
        return res.record.testError!.at(-1)!;
      });
      console.log('§9.4 test error for α = 0.3, 0.1, 0.01, 1e-4:', test.map((x) => x.toExponential(2)).join(', '));
      for (let i = 1; i < test.length; i++) expect(test[i]).toBeLessThan(test[i - 1] / 2);
      expect(test[3]).toBeLessThan(0.02);
      expect(test[0]).toBeGreaterThan(0.5);
    } finally { p.dispose(); }
  });
});

describe('§9.5 implicit balancing and low-rank bias (population operator, k = n2 = 8 > r = 2, κ = 4)', () => {
  const run = (alpha: number) => {
    const q = createProblem(rt, { n1: 10, n2: 8, r: 2, kappa: 4, operator: 'identity', seed: 5 });
    try {
      return solveSync(rt, q, { k: 8, eta: 0.5, init: { alpha }, maxIter: 300, tol: 0, diagnosticsEvery: 5 });
    } finally { q.dispose(); }
  };
  let r2: ReturnType<typeof run>, r4: ReturnType<typeof run>;
  beforeAll(() => { r2 = run(1e-2); r4 = run(1e-4); });

  it('the imbalance ‖FᵀF − GᵀG‖_F stays O(α²): its maximum over the run scales like α² and stays within 3× of its start', () => {
    const m2 = Math.max(...r2.record.imbalance!), m4 = Math.max(...r4.record.imbalance!);
    console.log('§9.5 max imbalance / α²:', (m2 / 1e-4).toFixed(1), (m4 / 1e-8).toFixed(1));
    expect(m2 / r2.record.imbalance![0]).toBeLessThan(3);
    expect(m4 / r4.record.imbalance![0]).toBeLessThan(3);
    const exponent = Math.log(m2 / m4) / Math.log(100);
    expect(exponent).toBeGreaterThan(1.8);
    expect(exponent).toBeLessThan(2.2);
  });

  it('singular values beyond r stay near the init scale while the top r are learned one after another', () => {
    const sp = r4.diagnostics.spectral as SpectralRecord;
    const init3 = sp.svProduct[0][0]; // largest singular value of F0 G0ᵀ
    for (const s of sp.svProduct) expect(s[2]).toBeLessThan(2 * init3);
    const last = sp.svProduct.at(-1)!;
    expect(last[0]).toBeCloseTo(1, 6);
    expect(last[1]).toBeCloseTo(0.25, 6);
    // time at which σ_i(F Gᵀ) first reaches half of σ_i(M*) = (1, 0.25)
    const reach = [1, 0.25].map((si, i) => sp.iter[sp.svProduct.findIndex((s) => s[i] >= si / 2)]);
    console.log('§9.5 σ1, σ2 learned at iterations', reach.join(', '), '; σ3 stays ≤', Math.max(...sp.svProduct.map((s) => s[2])).toExponential(2), 'vs init σ1', init3.toExponential(2));
    expect(reach[1]).toBeGreaterThan(reach[0] + 10);
  });
});

describe('§7 the three phases of small-init GD (n = 30, r = 3, k = 8, m = 1800)', () => {
  // alignment (towards the top-r singular space of A*(y)) takes a fixed number of steps; the saddle escape grows like
  // log(1/α)/(ησ_r): measured 12 and 12/23/36/48 — as our NumPy reference gives (docs/theory.md §7)
  const alphas = [1e-4, 1e-6, 1e-8];
  it.each(['symmetric', 'asymmetric'] as const)('%s: alignment ends well before the escape; its length stays fixed while the escape grows like log(1/α)', (model) => {
    const p = createProblem(rt, { n1: 30, r: 3, m: 1800, symmetric: model === 'symmetric', seed: 1 });
    try {
      const ph = alphas.map((alpha) => solveSync(rt, p, { k: 8, init: { alpha, seed: 2 }, maxIter: 120, tol: 0, diagnosticsEvery: 1 }).diagnostics.spectral as SpectralRecord)
        .map((rec) => rec.phases);
      for (const x of ph) { expect(x.alignmentEnd, x.notes.join('; ')).toBeDefined(); expect(x.saddleEscapeEnd, x.notes.join('; ')).toBeDefined(); }
      const a = ph.map((x) => x.alignmentEnd!), e = ph.map((x) => x.saddleEscapeEnd!);
      expect(e[1]! - a[1]!).toBeGreaterThan(15); // α = 1e-6: well before
      expect(Math.max(...a) - Math.min(...a)).toBeLessThanOrEqual(3); // alignment length independent of α
      const step1 = e[1]! - e[0]!, step2 = e[2]! - e[1]!; // α ÷ 100 each time: equal increments of the escape
      expect(step1).toBeGreaterThan(6);
      expect(Math.abs(step1 - step2)).toBeLessThanOrEqual(3);
    } finally { p.dispose(); }
  });

  it('with a loaded M* (problemFromData), U*, V* and σ(M*) come from it, and the phases are estimated', () => {
    const g = createProblem(rt, { n1: 30, r: 3, m: 1800, symmetric: true, seed: 1 });
    const Mstar = new Float64Array(30 * 30);
    const U = g.Ustar!, sig = g.sigma!;
    for (let a = 0; a < 30; a++) for (let b = 0; b < 30; b++) { let v = 0; for (let q = 0; q < 3; q++) v += U[a * 3 + q]! * sig[q]! * U[b * 3 + q]!; Mstar[a * 30 + b] = v; }
    const loaded = problemFromData(rt, { n1: 30, n2: 30, A: Float64Array.from((g.op as unknown as { A: { a: Float32Array } }).A.a), y: g.y.a.slice(), Mstar });
    try {
      expect(loaded.r).toBe(3);
      for (let q = 0; q < 3; q++) expect(loaded.sigma![q]).toBeCloseTo(sig[q]!, 10);
      const rec = solveSync(rt, loaded, { k: 8, init: { alpha: 1e-6, seed: 2 }, maxIter: 80, tol: 0, diagnosticsEvery: 1 }).diagnostics.spectral as SpectralRecord;
      expect(rec.phases.notes).toEqual([]);
      expect(rec.phases.saddleEscapeEnd! - rec.phases.alignmentEnd!).toBeGreaterThan(15);
    } finally { loaded.dispose(); g.dispose(); }
  });
});

describe('SpectralDiagnostics', () => {
  it('records every K iterations, with shapes per model and the signal/noise split', () => {
    const p = createProblem(rt, { n1: 10, n2: 8, r: 2, kappa: 4, operator: 'identity', seed: 5 });
    try {
      const res = solveSync(rt, p, { k: 8, eta: 0.5, init: { alpha: 1e-4 }, maxIter: 200, tol: 0, diagnosticsEvery: 10 });
      const sp = res.diagnostics.spectral as SpectralRecord;
      expect(sp.every).toBe(10);
      expect(sp.iter).toEqual(Array.from({ length: 21 }, (_, i) => 10 * i));
      expect(sp.svProduct[0]).toHaveLength(8);
      expect(sp.svF[0]).toHaveLength(8);
      expect(sp.svG![0]).toHaveLength(8);
      expect(sp.imbalanceEig![0]).toHaveLength(8);
      expect(sp.anglesU![0]).toHaveLength(2);
      expect(sp.anglesV![0]).toHaveLength(2);
      // at the end: aligned, signal part = sqrt(σ_r) (balanced), noise at the init scale, effective rank ≈ that of (1, 0.25)
      const L = sp.iter.length - 1;
      expect(Math.sin(sp.anglesU![L][1])).toBeLessThan(1e-6);
      expect(sp.signalMinF![L]).toBeCloseTo(0.5, 3);
      expect(sp.noiseF![L]).toBeLessThan(1e-2);
      const p2 = [1 / 1.25, 0.25 / 1.25];
      expect(sp.effectiveRank[L]).toBeCloseTo(Math.exp(-p2[0] * Math.log(p2[0]) - p2[1] * Math.log(p2[1])), 3);
      // the imbalance eigenvalues sum to trace(FᵀF − GᵀG) = ‖F‖² − ‖G‖²
      const tr = sp.imbalanceEig![L].reduce((a, b) => a + b, 0);
      const nF = sp.svF[L].reduce((a, b) => a + b * b, 0), nG = sp.svG![L].reduce((a, b) => a + b * b, 0);
      expect(tr).toBeCloseTo(nF - nG, 10);
      // phases: alignment before saddle escape, both found
      expect(sp.phases.alignmentEnd).toBeDefined();
      expect(sp.phases.saddleEscapeEnd!).toBeGreaterThanOrEqual(sp.phases.alignmentEnd!);
      expect(sp.phases.notes).toEqual([]);
    } finally { p.dispose(); }
  });

  it('symmetric model: svProduct = svF², no G-side arrays', () => {
    const p = createProblem(rt, { n1: 8, r: 2, operator: 'identity', symmetric: true, seed: 5 });
    try {
      const res = solveSync(rt, p, { k: 4, eta: 0.5, init: { alpha: 1e-3 }, maxIter: 60, tol: 0, diagnosticsEvery: 20 });
      const sp = res.diagnostics.spectral as SpectralRecord;
      expect(sp.iter).toEqual([0, 20, 40, 60]);
      for (let i = 0; i < 4; i++) expect(sp.svProduct[i][0]).toBeCloseTo(sp.svF[i][0] ** 2, 12);
      expect(sp.svG).toBeUndefined();
      expect(sp.imbalanceEig).toBeUndefined();
      expect(sp.anglesV).toBeUndefined();
      expect(sp.anglesU).toHaveLength(4);
    } finally { p.dispose(); }
  });

  it('phase estimates with unknown truth say why they are missing', () => {
    const rec = { iter: [0, 10], anglesDataU: undefined, anglesDataV: undefined, svProduct: [new Float64Array([1e-6, 1e-6]), new Float64Array([1, 0.1])] } as unknown as SpectralRecord;
    const ph = estimatePhases(rec, { r: undefined, sigma: undefined });
    expect(ph.alignmentEnd).toBeUndefined();
    expect(ph.saddleEscapeEnd).toBeUndefined();
    expect(ph.notes).toHaveLength(2);
    const ph2 = estimatePhases(rec, { r: 2, sigma: new Float64Array([1, 0.2]) });
    expect(ph2.saddleEscapeEnd).toBe(10);
  });

  it('signal/noise split of a factor with known structure', () => {
    // T = e1 (n = 3, r = 1); A = [[2, 0], [0, 0.5], [0, 0]] → signal σ_min = 2, noise = 0.5
    const s = signalNoiseSplit(new Float64Array([2, 0, 0, 0.5, 0, 0]), new Float64Array([1, 0, 0]), 3, 2, 1);
    expect(s.signalMin).toBeCloseTo(2, 12);
    expect(s.noise).toBeCloseTo(0.5, 12);
  });

  it('validates its options, and diagnosticsEvery = 0 means off', () => {
    expect(() => new SpectralDiagnostics({ every: 0 })).toThrow(ValidationError);
    expect(() => new SpectralDiagnostics({ every: 1.5 })).toThrow(ValidationError);
    expect(() => new SpectralDiagnostics({ alignTol: 2 })).toThrow(ValidationError);
    const p = createProblem(rt, { n1: 6, r: 1, operator: 'identity', seed: 1 });
    try {
      expect(() => new Solver(rt, p, { k: 2, diagnosticsEvery: -1 })).toThrow(ValidationError);
      const res = solveSync(rt, p, { k: 2, maxIter: 3, tol: 0, diagnosticsEvery: 0 });
      expect(res.diagnostics.spectral).toBeUndefined();
      const res2 = solveSync(rt, p, { k: 2, maxIter: 3, tol: 0, callbacks: [new SpectralDiagnostics({ every: 1 })] });
      expect((res2.diagnostics.spectral as SpectralRecord).iter).toEqual([0, 1, 2, 3]);
      const res3 = solveSync(rt, p, { k: 2, maxIter: 7, tol: 0, diagnosticsEvery: 3 });
      expect((res3.diagnostics.spectral as SpectralRecord).iter).toEqual([0, 3, 6, 7]); // plus the final iterate
    } finally { p.dispose(); }
  });
});
