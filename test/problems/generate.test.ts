import { describe, expect, it, beforeAll } from 'vitest';
import { createProblem, problemFromData, spectrumValues, OutOfMemoryError, ValidationError, DenseOperator, type Runtime } from '../../src/index.js';
import { singularValues } from '../../src/linalg/svd.js';
import { norm, randArray, refGemv, relMaxDiff, runtime } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { rt = await runtime(); });

describe('createProblem (docs/theory.md §2)', () => {
  it('builds M* = U diag(σ) Vᵀ of rank r with orthonormal factors, σ from 1 to 1/κ, and y = A(M*)', () => {
    const p = createProblem(rt, { n1: 9, n2: 7, r: 3, m: 50, kappa: 10, seed: 5 });
    const s = singularValues(p.Mstar!.a, 9, 7);
    expect(Array.from(s.slice(0, 3))).toEqual([expect.closeTo(1, 12), expect.closeTo(0.55, 12), expect.closeTo(0.1, 12)]);
    expect(s[3]).toBeLessThan(1e-13);
    for (const [U, n] of [[p.Ustar!, 9], [p.Vstar!, 7]] as const) {
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) {
        let d = 0; for (let i = 0; i < n; i++) d += U[i * 3 + a] * U[i * 3 + b];
        expect(d).toBeCloseTo(a === b ? 1 : 0, 12);
      }
    }
    const A = Float64Array.from((p.op as DenseOperator).A!.a);
    expect(relMaxDiff(p.y.a, refGemv(A, p.Mstar!.a, 50, 63))).toBeLessThan(1e-14);
    // entries iid N(0, 1/m): empirical variance of 3150 entries within 5σ
    let v = 0; for (const q of A) v += q * q; v /= A.length;
    expect(Math.abs(v * 50 - 1)).toBeLessThan(5 * Math.sqrt(2 / A.length));
    expect(p.MstarNorm).toBeCloseTo(Math.sqrt(1 + 0.55 ** 2 + 0.01), 12);
    p.dispose();
  });

  it('geometric spacing and κ = 1', () => {
    expect(Array.from(spectrumValues(3, 100, 'geometric'))).toEqual([1, expect.closeTo(0.1, 14), expect.closeTo(0.01, 14)]);
    expect(Array.from(spectrumValues(4, 1, 'linear'))).toEqual([1, 1, 1, 1]);
    expect(Array.from(spectrumValues(1, 10, 'linear'))).toEqual([1]);
  });

  it('symmetric problems are PSD with symmetric A_i', () => {
    const p = createProblem(rt, { n1: 6, r: 2, m: 20, symmetric: true, seed: 2 });
    const M = p.Mstar!.a;
    for (let a = 0; a < 6; a++) for (let b = 0; b < 6; b++) expect(M[a * 6 + b]).toBeCloseTo(M[b * 6 + a], 14);
    expect(p.op.seesOnlySymmetric).toBe(true);
    const A = (p.op as DenseOperator).A!.a;
    for (let i = 0; i < 20; i++) for (let a = 0; a < 6; a++) for (let b = 0; b < 6; b++) expect(A[i * 36 + a * 6 + b]).toBe(A[i * 36 + b * 6 + a]);
    p.dispose();
  });

  it('the same seed reproduces everything bit for bit; noise and test data use their own streams', () => {
    const a = createProblem(rt, { n1: 5, n2: 4, r: 2, m: 30, seed: 11, mTest: 7 });
    const b = createProblem(rt, { n1: 5, n2: 4, r: 2, m: 30, seed: 11, mTest: 7, noise: 0.1 });
    expect(Array.from((b.op as DenseOperator).A!.a)).toEqual(Array.from((a.op as DenseOperator).A!.a));
    expect(Array.from(b.Mstar!.a)).toEqual(Array.from(a.Mstar!.a));
    const dy = a.y.a.map((v, i) => b.y.a[i] - v);
    expect(norm(dy) / Math.sqrt(30)).toBeGreaterThan(0.05); // noise of sd 0.1 was added
    expect(norm(dy) / Math.sqrt(30)).toBeLessThan(0.2);
    expect(a.test!.op.m).toBe(7);
    expect(Array.from((a.test!.op as DenseOperator).A!.a.slice(0, 20))).not.toEqual(Array.from((a.op as DenseOperator).A!.a.slice(0, 20)));
    const c = createProblem(rt, { n1: 5, n2: 4, r: 2, m: 30, seed: 12 });
    expect(Array.from(c.y.a)).not.toEqual(Array.from(a.y.a));
    [a, b, c].forEach((p) => p.dispose());
  });

  it('the identity operator gives m = n1·n2 and y = vec(M*)', () => {
    const p = createProblem(rt, { n1: 4, n2: 3, r: 1, operator: 'identity', seed: 1 });
    expect(p.m).toBe(12);
    expect(Array.from(p.y.a)).toEqual(Array.from(p.Mstar!.a));
    p.dispose();
  });

  it.each([
    [{ n1: 0, r: 1, m: 5 }, /n1 must be a positive integer, got 0/],
    [{ n1: 2.5, r: 1, m: 5 }, /n1 must be a positive integer, got 2.5/],
    [{ n1: NaN, r: 1, m: 5 }, /n1 must be a positive integer, got NaN/],
    [{ n1: 4, r: 0, m: 5 }, /r must be a positive integer/],
    [{ n1: 4, n2: 3, r: 4, m: 5 }, /r = 4 exceeds min\(n1, n2\) = 3/],
    [{ n1: 4, r: 1, m: 0 }, /m must be a positive integer, got 0/],
    [{ n1: 4, r: 1 }, /m must be a positive integer, got undefined/],
    [{ n1: 4, r: 1, m: 5, kappa: 0.5 }, /kappa must be ≥ 1/],
    [{ n1: 4, r: 1, m: 5, kappa: Infinity }, /kappa must be a finite number/],
    [{ n1: 4, r: 1, m: 5, noise: -1 }, /noise must be ≥ 0/],
    [{ n1: 4, n2: 3, r: 1, m: 5, symmetric: true }, /symmetric problem needs n1 = n2/],
    [{ n1: 4, r: 1, m: 5, seed: -3 }, /seed must be an integer/],
    [{ n1: 4, r: 1, m: 5, operator: 'fourier' }, /operator must be 'gaussian', 'identity', 'completion', 'rank-one'/],
    [{ n1: 4, r: 1, operator: 'completion' }, /either m .* or density/],
    [{ n1: 4, r: 1, m: 17, operator: 'completion' }, /m = 17 exceeds the 16 cells/],
    [{ n1: 4, r: 1, density: 0, operator: 'completion' }, /density must be in \(0, 1\]/],
    [{ n1: 4, r: 1, density: 1.5, operator: 'completion' }, /density must be in/],
    [{ n1: 4, r: 1, m: 5, density: 0.5, operator: 'rank-one' }, /density applies to matrix completion/],
    [{ n1: 4, n2: 3, r: 1, m: 5, operator: 'rank-one', symmetric: true }, /symmetric problem needs n1 = n2/],
  ])('rejects %o before allocating', (opts, msg) => {
    const before = rt.stats();
    expect(() => createProblem(rt, opts as never)).toThrow(ValidationError);
    expect(() => createProblem(rt, opts as never)).toThrow(msg);
    expect(rt.stats().used).toBe(before.used);
    expect(rt.stats().memoryBytes).toBe(before.memoryBytes);
  });

  it('an operator too large for wasm32 memory raises OutOfMemoryError before anything is allocated', () => {
    const before = rt.stats();
    const f = () => createProblem(rt, { n1: 1000, n2: 1000, r: 5, m: 2000, seed: 1 }); // 8 GB of f32
    expect(f).toThrow(OutOfMemoryError);
    expect(f).toThrow(/needs 7\.4\d GiB .*wasm32 limit 4 GiB/);
    expect(f).toThrow(/--threads N --memory private/); // the way out is named
    expect(rt.stats().used).toBe(before.used);
    expect(rt.stats().memoryBytes).toBe(before.memoryBytes);
  });
});

describe('problemFromData', () => {
  it('wraps user arrays (A as f32), infers m and symmetry, and checks everything first', () => {
    const A = randArray(6 * 12, 3), y = randArray(6, 4), M = randArray(12, 5);
    const p = problemFromData(rt, { n1: 3, n2: 4, A, y, Mstar: M, Atest: randArray(2 * 12, 6), ytest: randArray(2, 7) });
    expect([p.m, p.symmetric, p.test!.op.m]).toEqual([6, false, 2]);
    expect(Array.from((p.op as DenseOperator).A!.a)).toEqual(Array.from(A, Math.fround));
    p.dispose();
    const before = rt.stats().used;
    expect(() => problemFromData(rt, { n1: 3, n2: 4, A: randArray(70, 1), y })).toThrow(/not a positive multiple of n1 · n2 = 12/);
    expect(() => problemFromData(rt, { n1: 3, n2: 4, A, y: randArray(5, 1) })).toThrow(/y has length 5, expected 6/);
    const yNaN = Float64Array.from(y); yNaN[2] = Infinity;
    expect(() => problemFromData(rt, { n1: 3, n2: 4, A, y: yNaN })).toThrow(/y\[2\] is Infinity/);
    expect(() => problemFromData(rt, { n1: 3, n2: 4, A, y, Atest: randArray(24, 1) })).toThrow(/Atest and ytest must be given together/);
    expect(() => problemFromData(rt, { n1: 3, n2: 4, A, y, r: 4 })).toThrow(/r = 4 exceeds min\(n1, n2\) = 3/);
    expect(() => problemFromData(rt, { n1: 3, n2: 4, A, y, symmetric: 1 as never })).toThrow(/symmetric must be true, false or 'auto', got 1/);
    const big = Float64Array.from(A); big[7] = 1e300;
    expect(() => problemFromData(rt, { n1: 3, n2: 4, A: big, y })).toThrow(/operator entry 7 \(row 0\) is 1e\+300, beyond the float32 range/);
    expect(rt.stats().used).toBe(before);
  });
});
