// The runtime: allocator, alignment, accounting, views that survive memory growth, out-of-memory errors.
import { describe, expect, it } from 'vitest';
import { createRuntime, OutOfMemoryError, StateError, ValidationError, Runtime } from '../src/index.js';

describe('Runtime allocator', () => {
  it('aligns to 64 bytes, reuses freed blocks, merges neighbours and returns used to its start', async () => {
    const rt = await createRuntime();
    const start = rt.stats().used;
    const a = rt.alloc(10), b = rt.alloc(100), c = rt.alloc(64);
    for (const p of [a, b, c]) expect(p % 64).toBe(0);
    expect(rt.stats().used - start).toBe(64 + 128 + 64);
    rt.free(b);
    expect(rt.alloc(128)).toBe(b); // first fit reuses the hole
    rt.free(a); rt.free(b);
    const d = rt.alloc(192); // merged a+b hole
    expect(d).toBe(a);
    rt.free(d); rt.free(c);
    expect(rt.stats().used).toBe(start);
    expect(() => rt.free(c)).toThrow(StateError);
  });

  it('views stay valid after the memory grows (F64Buf.a is rebuilt)', async () => {
    const rt = await createRuntime();
    const buf = rt.f64(4).set([1, 2, 3, 4]);
    const old = buf.a;
    const grows = rt.stats().grows;
    const big = rt.f32(20_000_000); // 80 MB: forces growth
    expect(rt.stats().grows).toBeGreaterThan(grows);
    expect(old.length).toBe(0); // the old view was detached by the grow
    expect(Array.from(buf.a)).toEqual([1, 2, 3, 4]);
    big.free(); buf.free();
  });

  it('refuses what cannot fit under maxBytes with OutOfMemoryError, and bad sizes with ValidationError', async () => {
    const rt = await createRuntime({ maxBytes: 16 * 2 ** 20 });
    expect(() => rt.alloc(32 * 2 ** 20)).toThrow(OutOfMemoryError);
    expect(() => rt.alloc(32 * 2 ** 20)).toThrow(/limited to 16\.0 MiB/);
    expect(() => rt.alloc(NaN)).toThrow(ValidationError);
    expect(() => rt.alloc(-1)).toThrow(ValidationError);
    await expect(createRuntime({ maxBytes: 2 ** 33 })).rejects.toThrow(/maxBytes must be in/);
    rt.dispose();
    expect(() => rt.alloc(8)).toThrow(/disposed/);
  });

  it('blockBytes rounds up to the alignment', () => {
    expect([Runtime.blockBytes(0), Runtime.blockBytes(1), Runtime.blockBytes(64), Runtime.blockBytes(65)]).toEqual([64, 64, 64, 128]);
  });
});
