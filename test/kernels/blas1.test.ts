import { describe, expect, it, beforeAll } from 'vitest';
import type { Runtime } from '../../src/index.js';
import { randArray, relMaxDiff, runtime } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { rt = await runtime(); });

describe.each([1, 2, 3, 5, 16, 17, 33])('level-1 kernels, n = %i', (n) => {
  const x = randArray(n, 1), y = randArray(n, 2);
  it('axpy, scal, add, dot, sqdist', () => {
    const xb = rt.fromArray(x), yb = rt.fromArray(y), o = rt.f64(n);
    rt.kernels.axpy_f64(yb.ptr, xb.ptr, 0.75, n);
    expect(relMaxDiff(yb.a, y.map((v, i) => v + 0.75 * x[i]))).toBeLessThan(1e-15);
    yb.set(y);
    rt.kernels.scal_f64(yb.ptr, -3, n);
    expect(relMaxDiff(yb.a, y.map((v) => -3 * v))).toBe(0);
    yb.set(y);
    rt.kernels.add_f64(o.ptr, xb.ptr, yb.ptr, n);
    expect(relMaxDiff(o.a, x.map((v, i) => v + y[i]))).toBe(0);
    const dot = x.reduce((s, v, i) => s + v * y[i], 0);
    expect(Math.abs(rt.kernels.dot_f64(xb.ptr, yb.ptr, n) - dot)).toBeLessThan(1e-14 * n);
    const sq = x.reduce((s, v, i) => s + (v - y[i]) ** 2, 0);
    expect(Math.abs(rt.kernels.sqdist_f64(xb.ptr, yb.ptr, n) - sq)).toBeLessThan(1e-14 * n);
    [xb, yb, o].forEach((q) => q.free());
  });
  it('f32 ↔ f64 conversion and the streaming sum', () => {
    const xb = rt.fromArray(x), f = rt.f32(n), back = rt.f64(n);
    rt.kernels.cvt_f64_to_f32(f.ptr, xb.ptr, n);
    expect(Array.from(f.a)).toEqual(Array.from(x, Math.fround));
    rt.kernels.cvt_f32_to_f64(back.ptr, f.ptr, n);
    expect(Array.from(back.a)).toEqual(Array.from(x, Math.fround));
    const s = Array.from(f.a).reduce((a, b) => a + b, 0);
    expect(Math.abs(rt.kernels.stream_sum_f32(f.ptr, n) - s)).toBeLessThan(1e-5 * n);
    [xb, f, back].forEach((q) => q.free());
  });
});
