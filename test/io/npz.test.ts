import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

import {
  NpyFormatError,
  ZipFormatError,
  crc32,
  extractZipEntry,
  inflateRawWithDecompressionStream,
  listZipEntries,
  loadNpz,
  parseNpy,
  readNpz,
  readZip,
  saveNpz,
  writeNpz,
  writeZip,
  type NpyArray,
} from '../../src/io/index.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name)));

const HAS_NUMPY = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

/** The problem written by make_fixtures.py's problem(), recomputed here. */
function expectedProblem(): { A: number[]; y: number[]; Mstar: number[] } {
  const A = Array.from({ length: 72 }, (_, k) => Math.fround((((37 * k) % 101) - 50) / 16));
  const u = [1, 2, -1];
  const v = [0.5, -1, 2, 0.25];
  const Mstar = u.flatMap((ui) => v.map((vj) => ui * vj));
  const y = Array.from({ length: 6 }, (_, i) => {
    let s = 0;
    for (let j = 0; j < 12; j++) s += (A[i * 12 + j] as number) * (Mstar[j] as number);
    return s;
  });
  return { A, y, Mstar };
}

function checkProblem(arrays: Record<string, NpyArray>): void {
  const want = expectedProblem();
  expect(Object.keys(arrays)).toEqual(['A', 'y', 'Mstar']);
  const { A, y, Mstar } = arrays as { A: NpyArray; y: NpyArray; Mstar: NpyArray };
  expect([A.dtype, A.shape, A.data.constructor]).toEqual(['float32', [6, 12], Float32Array]);
  expect([y.dtype, y.shape, y.data.constructor]).toEqual(['float64', [6], Float64Array]);
  expect([Mstar.dtype, Mstar.shape, Mstar.data.constructor]).toEqual(['float64', [3, 4], Float64Array]);
  expect(Array.from(A.data)).toEqual(want.A);
  expect(Array.from(y.data)).toEqual(want.y);
  expect(Array.from(Mstar.data)).toEqual(want.Mstar);
}

async function expectRejects(p: Promise<unknown>, cls: typeof NpyFormatError, message: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(cls);
  expect((caught as Error).message).toMatch(message);
}

/** Offset of the central-directory record of `name`. */
function centralRecord(bytes: Uint8Array, name: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i + 46 <= bytes.length; i++) {
    if (view.getUint32(i, true) !== 0x02014b50) continue;
    const n = view.getUint16(i + 28, true);
    if (new TextDecoder().decode(bytes.subarray(i + 46, i + 46 + n)) === name) return i;
  }
  throw new Error(`no central record for ${name}`);
}

const nodeInflate = (d: Uint8Array): Uint8Array => new Uint8Array(inflateRawSync(d));

describe('readNpz: NumPy-written fixtures', () => {
  it('problem.npz (np.savez, stored)', async () => {
    const bytes = fixture('problem.npz');
    expect(listZipEntries(bytes).map((e) => [e.name, e.method])).toEqual([
      ['A.npy', 0],
      ['y.npy', 0],
      ['Mstar.npy', 0],
    ]);
    checkProblem(await readNpz(bytes));
  });

  it('problem_compressed.npz (np.savez_compressed, deflated)', async () => {
    const bytes = fixture('problem_compressed.npz');
    expect(listZipEntries(bytes).every((e) => e.method === 8 && e.compressedSize < e.uncompressedSize)).toBe(true);
    checkProblem(await readNpz(bytes));
  });

  it('problem_zip64.npz (ZIP64 central directory and end records)', async () => {
    const bytes = fixture('problem_zip64.npz');
    const text = Buffer.from(bytes).toString('latin1');
    expect(text).toContain('PK\x06\x06');
    expect(text).toContain('PK\x06\x07');
    checkProblem(await readNpz(bytes));
  });

  it('uses an injected inflate function', async () => {
    const sizes: number[] = [];
    const arrays = await readNpz(fixture('problem_compressed.npz'), {
      inflate: (d, n) => {
        sizes.push(n);
        return nodeInflate(d);
      },
    });
    checkProblem(arrays);
    expect(sizes).toEqual([128 + 72 * 4, 128 + 6 * 8, 128 + 12 * 8]);
  });

  it.skipIf(typeof DecompressionStream !== 'function')('inflates with DecompressionStream (the browser path)', async () => {
    checkProblem(await readNpz(fixture('problem_compressed.npz'), { inflate: inflateRawWithDecompressionStream }));
  });

  it('readZip returns raw .npy members', async () => {
    const entries = await readZip(fixture('problem_compressed.npz'));
    expect(entries.map((e) => e.name)).toEqual(['A.npy', 'y.npy', 'Mstar.npy']);
    expect(parseNpy((entries[2] as { data: Uint8Array }).data).shape).toEqual([3, 4]);
  });
});

describe('writeNpz', () => {
  const arrays: Record<string, NpyArray> = {
    A: { dtype: 'float32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6.5) },
    y: { dtype: 'float64', shape: [2], data: Float64Array.of(Math.PI, -Math.E) },
    s: { dtype: 'float64', shape: [], data: Float64Array.of(42) },
    e: { dtype: 'float32', shape: [0], data: new Float32Array(0) },
  };

  it('round-trips through readNpz', async () => {
    const back = await readNpz(writeNpz(arrays));
    expect(back).toEqual(arrays);
    expect(Object.keys(back)).toEqual(['A', 'y', 's', 'e']);
  });

  it('writes stored entries with correct CRC-32s and is deterministic', () => {
    const bytes = writeNpz(arrays);
    expect(writeNpz(arrays)).toEqual(bytes);
    for (const e of listZipEntries(bytes)) {
      expect(e.method).toBe(0);
      expect(e.compressedSize).toBe(e.uncompressedSize);
    }
    expect(Buffer.from(bytes).toString('latin1')).not.toContain('PK\x06\x06');
  });

  it('writes ZIP64 records when forced, and reads them back', async () => {
    const bytes = writeNpz(arrays, { forceZip64: true });
    const text = Buffer.from(bytes).toString('latin1');
    expect(text).toContain('PK\x06\x06');
    expect(text).toContain('PK\x06\x07');
    expect(await readNpz(bytes)).toEqual(arrays);
  });

  it('handles unusual names: unicode, __proto__, nested paths', async () => {
    const a: NpyArray = { dtype: 'float64', shape: [1], data: Float64Array.of(1) };
    const input: Record<string, NpyArray> = {};
    Object.defineProperty(input, '__proto__', { value: a, enumerable: true });
    input['λ_ü'] = a;
    input['dir/x'] = a;
    const back = await readNpz(writeNpz(input));
    expect(Object.keys(back)).toEqual(['__proto__', 'λ_ü', 'dir/x']);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(back['λ_ü']).toEqual(a);
  });

  it('rejects an empty name', () => {
    expect(() => writeNpz({ '': arrays.y as NpyArray })).toThrow(NpyFormatError);
  });
});

describe('readNpz: malformed archives', () => {
  it('verifies CRC-32 of stored entries', async () => {
    const bytes = fixture('problem.npz');
    const entry = listZipEntries(bytes).find((e) => e.name === 'y.npy');
    if (entry === undefined) throw new Error('y.npy missing');
    const view = new DataView(bytes.buffer);
    const dataStart = entry.localHeaderOffset + 30 + view.getUint16(entry.localHeaderOffset + 26, true) + view.getUint16(entry.localHeaderOffset + 28, true);
    bytes[dataStart + 130] = (bytes[dataStart + 130] as number) ^ 0x01; // flip a bit inside y's data
    await expectRejects(readNpz(bytes), ZipFormatError, /^CRC-32 mismatch for ZIP entry 'y\.npy': expected 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}/);
    await expectRejects(readNpz(bytes), NpyFormatError, /CRC-32 mismatch/);
  });

  it('verifies CRC-32 of deflated entries', async () => {
    const bytes = fixture('problem_compressed.npz');
    const at = centralRecord(bytes, 'Mstar.npy');
    bytes[at + 16] = (bytes[at + 16] as number) ^ 0xff;
    await expectRejects(readNpz(bytes), ZipFormatError, /^CRC-32 mismatch for ZIP entry 'Mstar\.npy'/);
  });

  it('reports corrupt deflate data', async () => {
    const bytes = fixture('problem_compressed.npz');
    const entry = listZipEntries(bytes)[0];
    if (entry === undefined) throw new Error('no entries');
    const view = new DataView(bytes.buffer);
    const start = entry.localHeaderOffset + 30 + view.getUint16(entry.localHeaderOffset + 26, true) + view.getUint16(entry.localHeaderOffset + 28, true);
    bytes.fill(0xff, start, start + 8);
    await expectRejects(readNpz(bytes), ZipFormatError, /(could not inflate (the start of )?entry 'A\.npy'|CRC-32 mismatch|has \d+ bytes after extraction|header)/);
    await expectRejects(
      readNpz(fixture('problem_compressed.npz'), {
        inflate: () => {
          throw new Error('boom');
        },
      }),
      ZipFormatError,
      /^Corrupt ZIP: could not inflate entry 'A\.npy': boom/,
    );
  });

  it('rejects every truncation with NpyFormatError', async () => {
    for (const name of ['problem.npz', 'problem_compressed.npz', 'problem_zip64.npz']) {
      const bytes = fixture(name);
      for (let cut = 0; cut < bytes.length; cut++) {
        let caught: unknown;
        try {
          await readNpz(bytes.subarray(0, cut), { inflate: nodeInflate });
        } catch (e) {
          caught = e;
        }
        expect(caught, `${name} cut at ${cut}`).toBeInstanceOf(NpyFormatError);
      }
    }
    await expectRejects(readNpz(fixture('problem.npz').subarray(0, 10)), ZipFormatError, /10 bytes is too short/);
    await expectRejects(readNpz(fixture('problem.npz').subarray(0, 500)), ZipFormatError, /no end-of-central-directory record/);
  });

  it('rejects an archive whose entry data was cut out', async () => {
    const bytes = fixture('problem.npz');
    const [first] = listZipEntries(bytes);
    if (first === undefined) throw new Error('no entries');
    // Drop 8 bytes from the middle of A.npy while keeping the directory: offsets no longer line up.
    const cut = new Uint8Array(bytes.length - 8);
    cut.set(bytes.subarray(0, 200));
    cut.set(bytes.subarray(208), 200);
    await expectRejects(readNpz(cut), ZipFormatError, /^Truncated or malformed ZIP: central directory \(\d+ bytes at offset \d+\) does not fit before the end record/);
  });

  it('rejects unsupported compression methods and encryption', async () => {
    const bytes = fixture('problem.npz');
    const at = centralRecord(bytes, 'A.npy');
    const m = bytes.slice();
    m[at + 10] = 12; // bzip2
    await expectRejects(readNpz(m), ZipFormatError, /Unsupported ZIP compression method 12 for entry 'A\.npy'; supported methods are 0 \(stored\) and 8 \(deflate\)/);
    const enc = bytes.slice();
    enc[at + 8] = (enc[at + 8] as number) | 1;
    await expectRejects(readNpz(enc), ZipFormatError, /entry 'A\.npy' is encrypted/);
  });

  it('names the member when a member is not a supported .npy', async () => {
    const notNpy = writeZip([{ name: 'notnpy.npy', data: writeZip([]) }]);
    await expectRejects(readNpz(notNpy), NpyFormatError, /^Not a \.npy file in \.npz member 'notnpy\.npy': bad magic/);
    const int64 = writeZip([
      { name: 'ok.npy', data: fixture('small_f32.npy') },
      { name: 'bad.npy', data: fixture('uint8.npy') },
    ]);
    await expectRejects(readNpz(int64), NpyFormatError, /^Unsupported dtype in \.npz member 'bad\.npy': '\|u1'/);
    const zip2 = writeZip([{ name: 'bad.npy', data: fixture('fortran.npy') }]);
    await expectRejects(readNpz(zip2), NpyFormatError, /^Fortran-order arrays are not supported; save with np\.ascontiguousarray \(found fortran_order: True in \.npz member 'bad\.npy'\)/);
  });

  it('rejects non-ZIP input', async () => {
    await expectRejects(readNpz(fixture('small_f64.npy')), ZipFormatError, /Not a ZIP\/\.npz archive: no end-of-central-directory record/);
  });
});

describe('zip primitives', () => {
  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const data = new TextEncoder().encode('hello, world');
    expect(crc32(data.subarray(5), crc32(data.subarray(0, 5)))).toBe(crc32(data));
  });

  it('extractZipEntry returns verified member data', async () => {
    const zip = writeZip([{ name: 'a.bin', data: Uint8Array.of(1, 2, 3) }]);
    const [e] = listZipEntries(zip);
    if (e === undefined) throw new Error('no entries');
    expect(e).toMatchObject({ name: 'a.bin', method: 0, compressedSize: 3, uncompressedSize: 3, crc32: crc32(Uint8Array.of(1, 2, 3)) });
    expect(Array.from(await extractZipEntry(zip, e))).toEqual([1, 2, 3]);
  });

  it('reads archives with prepended data', async () => {
    const zip = writeNpz({ x: { dtype: 'float64', shape: [2], data: Float64Array.of(1, 2) } });
    for (const opts of [{}, { forceZip64: true }]) {
      const z = opts.forceZip64 ? writeNpz({ x: { dtype: 'float64', shape: [2], data: Float64Array.of(1, 2) } }, opts) : zip;
      const prefixed = new Uint8Array(17 + z.length);
      prefixed.set(z, 17);
      expect(Array.from((await readNpz(prefixed)).x?.data ?? [])).toEqual([1, 2]);
    }
  });

  it('rejects duplicate names', () => {
    expect(() => writeZip([{ name: 'a', data: new Uint8Array(1) }, { name: 'a', data: new Uint8Array(1) }])).toThrow(/duplicate entry name 'a'/);
  });
});

describe('Node helpers and numpy interop (npz)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'matsense-npz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('saveNpz / loadNpz round trip', async () => {
    const p = join(dir, 'rt.npz');
    const arrays: Record<string, NpyArray> = { M: { dtype: 'float64', shape: [2, 2], data: Float64Array.of(1, 2, 3, 4) } };
    await saveNpz(p, arrays);
    expect(await loadNpz(p)).toEqual(arrays);
    checkProblem(await loadNpz(join(FIXTURES, 'problem_compressed.npz')));
  });

  it.skipIf(!HAS_NUMPY)('numpy loads .npz archives written by writeNpz', () => {
    const { A, y, Mstar } = expectedProblem();
    const arrays: Record<string, NpyArray> = {
      A: { dtype: 'float32', shape: [6, 12], data: Float32Array.from(A) },
      y: { dtype: 'float64', shape: [6], data: Float64Array.from(y) },
      Mstar: { dtype: 'float64', shape: [3, 4], data: Float64Array.from(Mstar) },
      scalar: { dtype: 'float64', shape: [], data: Float64Array.of(-0.125) },
      empty: { dtype: 'float32', shape: [0, 4], data: new Float32Array(0) },
      'λ': { dtype: 'float32', shape: [1, 1, 2], data: Float32Array.of(1.5, 2.5) },
    };
    writeFileSync(join(dir, 'ts.npz'), writeNpz(arrays));
    writeFileSync(join(dir, 'ts64.npz'), writeNpz(arrays, { forceZip64: true }));
    const script = `
import json, sys, zipfile, numpy as np
out = {}
for f in ("ts.npz", "ts64.npz"):
    path = sys.argv[1] + "/" + f
    assert zipfile.ZipFile(path).testzip() is None
    with np.load(path) as d:
        out[f] = {k: {"dtype": d[k].dtype.str, "shape": list(d[k].shape), "values": d[k].ravel().astype(float).tolist()} for k in d.files}
print(json.dumps(out))
`;
    const r = spawnSync('python3', ['-c', script, dir], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
    const want = Object.fromEntries(
      Object.entries(arrays).map(([k, a]) => [k, { dtype: a.dtype === 'float32' ? '<f4' : '<f8', shape: a.shape, values: Array.from(a.data) }]),
    );
    expect(got['ts.npz']).toEqual(want);
    expect(got['ts64.npz']).toEqual(want);
    expect(Object.keys(got['ts.npz'] ?? {})).toEqual(Object.keys(arrays));
  });

  it.skipIf(!HAS_NUMPY)('reads fresh numpy archives: savez, savez_compressed, format 2.0 and 3.0 members', async () => {
    const script = `
import sys, zipfile, numpy as np
d = sys.argv[1]
k = np.arange(72)
A = (((37 * k) % 101 - 50) / 16).reshape(6, 12).astype(np.float32)
Mstar = np.outer([1.0, 2.0, -1.0], [0.5, -1.0, 2.0, 0.25])
y = A.astype(np.float64) @ Mstar.ravel()
np.savez(d + "/fresh.npz", A=A, y=y, Mstar=Mstar)
np.savez_compressed(d + "/fresh_c.npz", A=A, y=y, Mstar=Mstar)
with zipfile.ZipFile(d + "/fresh_v2.npz", "w", compression=zipfile.ZIP_DEFLATED) as zf:
    for name, arr, version in (("A", A, (2, 0)), ("y", y, (3, 0)), ("Mstar", Mstar, (2, 0))):
        with zf.open(name + ".npy", "w", force_zip64=True) as f:
            np.lib.format.write_array(f, arr, version=version)
with open(d + "/fresh_v2.npy", "wb") as f:
    np.lib.format.write_array(f, np.arange(15).reshape(3, 5) / 7, version=(2, 0))
`;
    const r = spawnSync('python3', ['-c', script, dir], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const f of ['fresh.npz', 'fresh_c.npz', 'fresh_v2.npz']) checkProblem(await loadNpz(join(dir, f)));
    const v2 = new Uint8Array(readFileSync(join(dir, 'fresh_v2.npz')));
    const members = await readZip(v2);
    expect(members.map((m) => [m.name, m.data[6]])).toEqual([
      ['A.npy', 2],
      ['y.npy', 3],
      ['Mstar.npy', 2],
    ]);
    const single = parseNpy(new Uint8Array(readFileSync(join(dir, 'fresh_v2.npy'))));
    expect(single.shape).toEqual([3, 5]);
    expect(Array.from(single.data)).toEqual(Array.from({ length: 15 }, (_, i) => i / 7));
  });
});
