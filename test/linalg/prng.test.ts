import { describe, expect, it } from 'vitest';
import { mulberry32, normalGenerator, randn } from '../../src/linalg/prng.js';

describe('prng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = randn(100, 42);
    const b = randn(100, 42);
    const c = randn(100, 43);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('mulberry32 gives uniforms in [0, 1) with the right mean', () => {
    const u = mulberry32(7);
    let sum = 0;
    let outside = 0;
    const N = 100_000;
    for (let i = 0; i < N; i++) {
      const v = u();
      if (!(v >= 0 && v < 1)) outside++;
      sum += v;
    }
    expect(outside).toBe(0);
    // sd of the mean = √(1/12 / N) ≈ 9.1e-4: 5 sd.
    expect(Math.abs(sum / N - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / N));
  });

  it('normals have mean 0, variance 1 and a normal tail fraction', () => {
    const N = 200_000;
    const x = randn(N, 2024);
    let m = 0;
    let v = 0;
    let tail = 0;
    for (const t of x) {
      m += t;
      v += t * t;
      if (Math.abs(t) > 1.959964) tail++;
    }
    m /= N;
    v = v / N - m * m;
    // 5-sd bounds: sd(mean) = 1/√N, sd(var) = √(2/N), sd(tail fraction) = √(0.05·0.95/N).
    expect(Math.abs(m)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(v - 1)).toBeLessThan(5 * Math.sqrt(2 / N));
    expect(Math.abs(tail / N - 0.05)).toBeLessThan(5 * Math.sqrt((0.05 * 0.95) / N));
  });

  it('a supplied uniform source is advanced, so two draws differ', () => {
    const u = mulberry32(1);
    const a = randn(10, u);
    const b = randn(10, u);
    expect(Array.from(a)).not.toEqual(Array.from(b));
    const g = normalGenerator(mulberry32(1));
    expect(g()).toBe(randn(1, 1)[0]);
  });

  it('rejects bad arguments', () => {
    expect(() => randn(-1, 1)).toThrow(RangeError);
    expect(() => mulberry32(Number.NaN)).toThrow(RangeError);
  });
});
