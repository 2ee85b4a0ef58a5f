// Bounded decompression: an .npz is checked from its central directory and its members' .npy headers before anything
// is inflated — a decompression bomb, a directory that lies, a header that contradicts its size, or a shape the caller
// cannot use is refused in milliseconds. Plus property tests of the npy/npz readers on random and corrupted input.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NpyFormatError, encodeNpy, parseNpy, type NpyArray } from '../../src/io/npy.js';
import { readNpz, writeNpz } from '../../src/io/npz.js';
import { ZipFormatError, crc32 } from '../../src/io/zip.js';

/** A ZIP of deflated members (as np.savez_compressed writes), built by hand. */
function deflatedZip(members: { name: string; data: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [], central: Uint8Array[] = [];
  let offset = 0;
  for (const { name, data } of members) {
    const comp = deflateRawSync(data), nameBytes = new TextEncoder().encode(name), crc = crc32(data);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true); local.setUint16(4, 20, true); local.setUint16(8, 8, true);
    local.setUint32(14, crc, true); local.setUint32(18, comp.length, true); local.setUint32(22, data.length, true); local.setUint16(26, nameBytes.length, true);
    const cen = new DataView(new ArrayBuffer(46));
    cen.setUint32(0, 0x02014b50, true); cen.setUint16(4, 20, true); cen.setUint16(6, 20, true); cen.setUint16(10, 8, true);
    cen.setUint32(16, crc, true); cen.setUint32(20, comp.length, true); cen.setUint32(24, data.length, true); cen.setUint16(28, nameBytes.length, true);
    cen.setUint32(42, offset, true);
    parts.push(new Uint8Array(local.buffer), nameBytes, comp);
    central.push(new Uint8Array(cen.buffer), nameBytes);
    offset += 30 + nameBytes.length + comp.length;
  }
  const cdSize = central.reduce((s, c) => s + c.length, 0);
  const eocd = new DataView(new ArrayBuffer(22));
  eocd.setUint32(0, 0x06054b50, true); eocd.setUint16(8, members.length, true); eocd.setUint16(10, members.length, true);
  eocd.setUint32(12, cdSize, true); eocd.setUint32(16, offset, true);
  const all = [...parts, ...central, new Uint8Array(eocd.buffer)];
  const out = new Uint8Array(all.reduce((s, p) => s + p.length, 0));
  let o = 0; for (const p of all) { out.set(p, o); o += p.length; }
  return out;
}

/** A .npy of zeros with the given shape, without allocating its data twice. */
function zerosNpy(shape: number[]): Uint8Array {
  const head = encodeNpy({ dtype: 'float32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
  return head;
}

describe('npz: refused before inflating', () => {
  // 40 MB of zeros deflate to ~40 KB: a small bomb, enough to see that nothing is inflated
  const A = zerosNpy([4000, 2500]);
  const bomb = deflatedZip([{ name: 'A.npy', data: A }, { name: 'y.npy', data: encodeNpy({ dtype: 'float64', shape: [7], data: new Float64Array(7) }) }]);

  it('a shape the caller cannot use is refused from the headers, in milliseconds, without inflating', async () => {
    expect(bomb.length).toBeLessThan(200_000);
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    let seen: string[] = [];
    await expect(readNpz(bomb, {
      check: (members) => {
        seen = members.map((m) => `${m.key}:${m.dtype}:${m.shape.join('x')}`);
        const a = members.find((m) => m.key === 'A')!, y = members.find((m) => m.key === 'y')!;
        if (a.shape[0] !== y.shape[0]) throw new NpyFormatError(`y has ${y.shape[0]} entries but A has ${a.shape[0]} rows`);
      },
    })).rejects.toThrow(/y has 7 entries but A has 4000 rows/);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(20e6);
    expect(seen).toEqual(['A:float32:4000x2500', 'y:float64:7']);
  });

  it('a total over maxTotalBytes is refused before inflating', async () => {
    await expect(readNpz(bomb, { maxTotalBytes: 1e6 })).rejects.toThrow(/declare \d+ bytes uncompressed, more than the 1000000 allowed \(refused before inflating anything\)/);
  });

  it('a directory that claims more than DEFLATE can produce, and a header that contradicts the declared size, are corrupt', async () => {
    const small = deflatedZip([{ name: 'x.npy', data: encodeNpy({ dtype: 'float64', shape: [3], data: new Float64Array(3) }) }]);
    const lying = small.slice();
    const v = new DataView(lying.buffer);
    const cd = lying.length - 22 - 46 - 5;
    v.setUint32(cd + 24, 0xfffffff0, true); // central directory: uncompressed size 4 GiB from ~30 bytes
    await expect(readNpz(lying)).rejects.toThrow(ZipFormatError);
    await expect(readNpz(lying)).rejects.toThrow(/beyond DEFLATE's maximum ratio/);
    const wrongHeader = deflatedZip([{ name: 'x.npy', data: encodeNpy({ dtype: 'float64', shape: [3], data: new Float64Array(3) }).slice(0, -8) }]);
    await expect(readNpz(wrongHeader)).rejects.toThrow(/declares \d+ bytes but its \.npy header describes \d+/);
  });

  it('the CLI refuses the bomb with exit code 1 in well under a second', () => {
    const dir = mkdtempSync(join(tmpdir(), 'matsense-bomb-'));
    writeFileSync(join(dir, 'bomb.npz'), bomb);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(__dirname, '..', '..', 'bin', 'matsense.js'), 'solve', '--load', join(dir, 'bomb.npz'), '--k', '2'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/y has 7 entries but A has 4000 rows/);
    expect(performance.now() - t0).toBeLessThan(5000); // process start included
  });
});

describe('property: the npy and npz readers on random and corrupted input', () => {
  const arrayArb = fc.record({
    dtype: fc.constantFrom<'float32' | 'float64'>('float32', 'float64'),
    shape: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 3 }),
  }).chain(({ dtype, shape }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return fc.array(fc.double({ noNaN: true }), { minLength: n, maxLength: n }).map((vals): NpyArray => ({
      dtype, shape, data: dtype === 'float32' ? Float32Array.from(vals) : Float64Array.from(vals),
    }));
  });

  it('encode → parse returns the same array, for any shape and dtype', () => {
    fc.assert(fc.property(arrayArb, (a) => {
      const b = parseNpy(encodeNpy(a));
      expect(b.dtype).toBe(a.dtype);
      expect(b.shape).toEqual(a.shape);
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
    }), { numRuns: 200 });
  });

  it('truncated or corrupted .npy and .npz bytes give the right array or an NpyFormatError — nothing else, and fast', async () => {
    await fc.assert(fc.asyncProperty(fc.array(arrayArb, { minLength: 1, maxLength: 3 }), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.boolean(),
      async (arrays, cut, flips, deflate) => {
        const named = Object.fromEntries(arrays.map((a, i) => [`a${i}`, a]));
        const whole = deflate ? deflatedZip(arrays.map((a, i) => ({ name: `a${i}.npy`, data: encodeNpy(a) }))) : writeNpz(named);
        const bytes = whole.slice(0, whole.length - (cut % (whole.length + 1)));
        for (const [at, v] of flips) if (bytes.length) bytes[at % bytes.length] = v;
        const t0 = performance.now();
        try {
          const got = await readNpz(bytes);
          for (const [k, a] of Object.entries(got)) expect(a.data.length).toBe(a.shape.reduce((x, y) => x * y, 1));
        } catch (e) {
          if (!(e instanceof NpyFormatError)) throw e;
        }
        expect(performance.now() - t0).toBeLessThan(1000);
        const npy = encodeNpy(arrays[0]!).slice(0, Math.max(0, encodeNpy(arrays[0]!).length - (cut % 64)));
        try { parseNpy(npy); } catch (e) { if (!(e instanceof NpyFormatError)) throw e; }
      }), { numRuns: 300 });
  });
});
