// The seeded Gaussian generator: distribution, determinism, and independence of how rows are batched.
import { describe, expect, it, beforeAll } from 'vitest';
import { gaussian, splitSeed, STREAM, type Runtime } from '../../src/index.js';
import { runtime } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { rt = await runtime(); });

describe('ziggurat normals', () => {
  const n = 400_000;
  it('have mean 0, variance 1, kurtosis 3 and the right tail mass (statistical tolerances at ≥ 5σ)', () => {
    const z = gaussian(rt, n, 1, 42, 11);
    let s1 = 0, s2 = 0, s4 = 0, tail = 0, beyondR = 0;
    for (const v of z) { s1 += v; s2 += v * v; s4 += v ** 4; if (Math.abs(v) > 2) tail++; if (Math.abs(v) > 3.442619855899) beyondR++; }
    const mean = s1 / n, vr = s2 / n, kurt = s4 / n;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(vr - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(kurt - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    // P(|Z| > 2) = 0.0455003; binomial sd = sqrt(p(1-p)/n)
    expect(Math.abs(tail / n - 0.0455003)).toBeLessThan(5 * Math.sqrt(0.0455 * 0.9545 / n));
    // the tail beyond the ziggurat's base strip (r = 3.4426) is reached: P = 5.76e-4
    expect(Math.abs(beyondR / n - 5.7617e-4)).toBeLessThan(5 * Math.sqrt(5.76e-4 / n));
  });
  it('are reproducible per (seed, stream) and differ across streams and seeds', () => {
    const a = gaussian(rt, 1000, 1, 7, STREAM.initF), b = gaussian(rt, 1000, 1, 7, STREAM.initF);
    expect(Array.from(a)).toEqual(Array.from(b));
    const c = gaussian(rt, 1000, 1, 7, STREAM.initG), d = gaussian(rt, 1000, 1, 8, STREAM.initF);
    expect(a.some((v, i) => v !== c[i])).toBe(true);
    expect(a.some((v, i) => v !== d[i])).toBe(true);
  });
  it('operator rows depend only on (seed, stream, row): generating in chunks gives identical bits', () => {
    const rows = 9, cols = 13;
    const [hi, lo] = splitSeed(2 ** 40 + 5);
    const whole = rt.f32(rows * cols), parts = rt.f32(rows * cols);
    rt.kernels.normal_rows_f32(whole.ptr, rows, cols, 0.5, hi, lo, 1, 0, rt.zigTable);
    rt.kernels.normal_rows_f32(parts.ptr, 4, cols, 0.5, hi, lo, 1, 0, rt.zigTable);
    rt.kernels.normal_rows_f32(parts.ptr + 4 * cols * 4, rows - 4, cols, 0.5, hi, lo, 1, 4, rt.zigTable);
    expect(Array.from(parts.a)).toEqual(Array.from(whole.a));
    whole.free(); parts.free();
  });
  it('splitSeed rejects seeds that are not integers in [0, 2^53)', () => {
    expect(() => splitSeed(-1)).toThrow(/seed/);
    expect(() => splitSeed(1.5)).toThrow(/seed/);
    expect(() => splitSeed(NaN)).toThrow(/seed/);
  });
});
