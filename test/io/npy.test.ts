import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

import { NpyFormatError, encodeNpy, loadNpy, parseNpy, saveNpy, type NpyArray } from '../../src/io/index.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name)));

const HAS_NUMPY = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

/** np.arange(n) / 7, in float64. */
const arangeOver7 = (n: number): number[] => Array.from({ length: n }, (_, i) => i / 7);

/** Builds a .npy file with an arbitrary header (padded like numpy's) and payload. */
function makeNpy(header: string, payload: Uint8Array = new Uint8Array(0), major = 1): Uint8Array {
  const hdr = new TextEncoder().encode(header);
  const pre = major === 1 ? 10 : 12;
  const total = Math.ceil((pre + hdr.length + 1) / 64) * 64;
  const out = new Uint8Array(total + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, total - pre, true);
  else view.setUint32(8, total - pre, true);
  out.set(hdr, pre);
  out.fill(0x20, pre + hdr.length, total - 1);
  out[total - 1] = 0x0a;
  out.set(payload, total);
  return out;
}

const f64Bytes = (values: number[]): Uint8Array => new Uint8Array(Float64Array.from(values).buffer);

function expectNpyError(fn: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(NpyFormatError);
  expect((caught as Error).name).toBe('NpyFormatError');
  expect((caught as Error).message).toMatch(message);
}

describe('parseNpy: NumPy-written fixtures', () => {
  it.each(['small_f64.npy', 'small_f64_v2.npy', 'small_f64_v3.npy'])('%s is arange(15).reshape(3,5)/7 float64', (name) => {
    const arr = parseNpy(fixture(name));
    expect(arr.dtype).toBe('float64');
    expect(arr.shape).toEqual([3, 5]);
    expect(arr.data).toBeInstanceOf(Float64Array);
    expect(Array.from(arr.data)).toEqual(arangeOver7(15));
  });

  it('small_f32.npy is float32(arange(12).reshape(3,4)/7)', () => {
    const arr = parseNpy(fixture('small_f32.npy'));
    expect(arr.dtype).toBe('float32');
    expect(arr.shape).toEqual([3, 4]);
    expect(arr.data).toBeInstanceOf(Float32Array);
    expect(Array.from(arr.data)).toEqual(arangeOver7(12).map(Math.fround));
  });

  it('scalar_f64.npy is a 0-d array holding 3.5', () => {
    const arr = parseNpy(fixture('scalar_f64.npy'));
    expect(arr).toEqual({ dtype: 'float64', shape: [], data: Float64Array.of(3.5) });
  });

  it('empty_f32.npy has shape (0, 3) and no data', () => {
    const arr = parseNpy(fixture('empty_f32.npy'));
    expect(arr.dtype).toBe('float32');
    expect(arr.shape).toEqual([0, 3]);
    expect(arr.data.length).toBe(0);
  });

  it('copies into an aligned array that does not alias the input', () => {
    const file = fixture('small_f64.npy');
    // Place the file at an odd offset so the data section is misaligned.
    const backing = new Uint8Array(file.length + 3);
    backing.set(file, 3);
    const view = backing.subarray(3);
    const arr = parseNpy(view);
    expect(arr.data.byteOffset % 8).toBe(0);
    expect(Array.from(arr.data)).toEqual(arangeOver7(15));
    backing.fill(0);
    expect(Array.from(arr.data)).toEqual(arangeOver7(15));
  });

  it('rejects fortran.npy', () => {
    expectNpyError(
      () => parseNpy(fixture('fortran.npy')),
      /^Fortran-order arrays are not supported; save with np\.ascontiguousarray/,
    );
  });

  it('reads int64.npy and int32.npy (index arrays) into exact f64 values', () => {
    expect(parseNpy(fixture('int64.npy'))).toEqual({ dtype: 'int64', shape: [6], data: Float64Array.of(0, 1, 2, 3, 4, 5) });
    expect(parseNpy(fixture('int32.npy'))).toEqual({ dtype: 'int32', shape: [2, 2], data: Float64Array.of(3, -1, 7, 2147483647) });
  });

  it('rejects uint8.npy naming the dtype and the supported ones', () => {
    expectNpyError(() => parseNpy(fixture('uint8.npy')), /Unsupported dtype: '\|u1' \(unsigned integer, 1 bytes\).*'<f4' \(float32\), '<f8' \(float64\), and the index types '<i4' \(int32\) and '<i8' \(int64\)/);
  });

  it('rejects bigendian.npy as big-endian', () => {
    expectNpyError(() => parseNpy(fixture('bigendian.npy')), /Unsupported dtype: '>f8' is big-endian.*little-endian/);
  });

  it('includes the given name in error messages', () => {
    expectNpyError(() => parseNpy(fixture('uint8.npy'), 'uint8.npy'), /Unsupported dtype in uint8\.npy: '\|u1'/);
  });
});

describe('encodeNpy / parseNpy round trip', () => {
  const shapes: number[][] = [[], [1], [7], [0], [3, 4], [1, 5], [0, 3], [2, 3, 4]];
  for (const dtype of ['float32', 'float64'] as const) {
    it.each(shapes.map((s) => [JSON.stringify(s), s] as const))(`${dtype} shape %s`, (_label, shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: n }, (_, i) => (i - 3.25) * Math.PI * (i % 2 ? -1 : 1));
      const data = dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
      const bytes = encodeNpy({ dtype, shape, data });
      // numpy's layout: 64-byte aligned data section, header ending in '\n'.
      const headerLen = new DataView(bytes.buffer).getUint16(8, true);
      expect((10 + headerLen) % 64).toBe(0);
      expect(bytes[10 + headerLen - 1]).toBe(0x0a);
      expect(bytes.length).toBe(10 + headerLen + data.byteLength);
      const back = parseNpy(bytes);
      expect(back.dtype).toBe(dtype);
      expect(back.shape).toEqual(shape);
      expect(back.data).toBeInstanceOf(dtype === 'float32' ? Float32Array : Float64Array);
      expect(Array.from(back.data)).toEqual(Array.from(data));
    });
  }

  it('writes the header numpy writes', () => {
    const bytes = encodeNpy({ dtype: 'float64', shape: [3, 5], data: Float64Array.from(arangeOver7(15)) });
    expect(bytes).toEqual(fixture('small_f64.npy'));
    const header = (a: NpyArray): string => {
      const b = encodeNpy(a);
      return new TextDecoder().decode(b.subarray(10, 10 + new DataView(b.buffer).getUint16(8, true)));
    };
    const one = header({ dtype: 'float32', shape: [4], data: new Float32Array(4) });
    expect(one).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(4,\), \} *\n$/);
    const zero = header({ dtype: 'float64', shape: [], data: new Float64Array(1) });
    expect(zero).toMatch(/'shape': \(\), \}/);
  });

  it('encodes from a typed-array view with an offset', () => {
    const backing = Float64Array.from([9, 1, 2, 3, 9]);
    const arr = parseNpy(encodeNpy({ dtype: 'float64', shape: [3], data: backing.subarray(1, 4) }));
    expect(Array.from(arr.data)).toEqual([1, 2, 3]);
  });

  it('preserves NaN, infinities and -0', () => {
    const data = Float64Array.of(NaN, Infinity, -Infinity, -0, Number.MIN_VALUE, Number.MAX_VALUE);
    const back = parseNpy(encodeNpy({ dtype: 'float64', shape: [6], data }));
    expect(Object.is(back.data[3], -0)).toBe(true);
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });

  it('rejects inconsistent arrays', () => {
    expectNpyError(() => encodeNpy({ dtype: 'float64', shape: [2, 2], data: new Float64Array(3) }), /shape \[2,2\] has 4 elements but data has 3/);
    expectNpyError(() => encodeNpy({ dtype: 'float64', shape: [2], data: new Float32Array(2) }), /requires data to be a Float64Array, found Float32Array/);
    expectNpyError(() => encodeNpy({ dtype: 'float32', shape: [-1], data: new Float32Array(0) }), /non-negative integers/);
    expectNpyError(() => encodeNpy({ dtype: 'int32' as never, shape: [1], data: new Float32Array(1) }), /Cannot encode dtype "int32"/);
  });
});

describe('parseNpy: malformed input', () => {
  const good = fixture('small_f64.npy'); // 128-byte header section + 120 bytes of data

  it('rejects a wrong magic string', () => {
    expectNpyError(() => parseNpy(new TextEncoder().encode('PK\x03\x04 not npy at all')), /bad magic string \(found bytes 50 4b 03 04 20 6e; expected 93 4e 55 4d 50 59/);
    const bad = good.slice();
    bad[1] = 0x6e; // lowercase 'n'
    expectNpyError(() => parseNpy(bad), /Not a \.npy file: bad magic/);
  });

  it('rejects truncation at every point, naming header or data', () => {
    for (let cut = 0; cut < good.length; cut++) {
      const part = good.subarray(0, cut);
      if (cut < 8) {
        expectNpyError(() => parseNpy(part), new RegExp(`^Truncated \\.npy header: file is ${cut} bytes but the magic string and version need 8`));
      } else if (cut < 10) {
        expectNpyError(() => parseNpy(part), /^Truncated \.npy header: .*preamble needs 10/);
      } else if (cut < 128) {
        expectNpyError(() => parseNpy(part), new RegExp(`^Truncated \\.npy header: header declares 118 bytes .* only ${cut} bytes`));
      } else {
        expectNpyError(() => parseNpy(part), new RegExp(`^Truncated \\.npy data: .*\\(expected 120 bytes, found ${cut - 128}\\)`));
      }
    }
  });

  it('ignores trailing bytes after the data, as numpy does', () => {
    const longer = new Uint8Array(good.length + 5);
    longer.set(good);
    expect(Array.from(parseNpy(longer).data)).toEqual(arangeOver7(15));
  });

  it('rejects unsupported format versions', () => {
    const v = good.slice();
    v[6] = 4;
    expectNpyError(() => parseNpy(v), /Unsupported \.npy format version 4\.0; supported versions are 1\.0, 2\.0 and 3\.0/);
    v[6] = 1;
    v[7] = 1;
    expectNpyError(() => parseNpy(v), /version 1\.1/);
  });

  it.each([
    ["'<i2'", /'<i2' \(signed integer, 2 bytes\)/],
    ["'>i8'", /'>i8' is big-endian/],
    ["'<u2'", /'<u2' \(unsigned integer, 2 bytes\)/],
    ["'<c16'", /'<c16' \(complex, 16 bytes\)/],
    ["'|O'", /'\|O' \(Python object\)/],
    ["'<f2'", /'<f2' \(floating-point, 2 bytes\)/],
    ["'>f4'", /'>f4' is big-endian/],
    ["'|b1'", /'\|b1' \(boolean, 1 bytes\)/],
    ["[('a', '<f8'), ('b', '<f8')]", /structured\/record dtype \[\('a', '<f8'\), \('b', '<f8'\)\]/],
    ["'float64'", /Unsupported dtype: 'float64'/],
  ])('rejects dtype %s', (descr, message) => {
    const file = makeNpy(`{'descr': ${descr}, 'fortran_order': False, 'shape': (2,), }`, new Uint8Array(32));
    expectNpyError(() => parseNpy(file), message);
    expectNpyError(() => parseNpy(file), /only (little-endian )?'<f4' \(float32\), '<f8' \(float64\), and the index types '<i4' \(int32\) and '<i8' \(int64\) are supported/);
  });

  it("accepts the byte-order-free '|f8' form and Python 2 long shapes", () => {
    const arr = parseNpy(makeNpy("{'descr': '|f8', 'fortran_order': False, 'shape': (1L, 2L), }", f64Bytes([1.5, -2])));
    expect(arr).toEqual({ dtype: 'float64', shape: [1, 2], data: Float64Array.of(1.5, -2) });
    const dq = parseNpy(makeNpy('{"descr": "<f8", "shape": (2,), "fortran_order": False}', f64Bytes([3, 4]), 2));
    expect(Array.from(dq.data)).toEqual([3, 4]);
  });

  it('rejects Fortran order even for a hand-made header', () => {
    const file = makeNpy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", new Uint8Array(32));
    expectNpyError(() => parseNpy(file, 'm.npy'), /^Fortran-order arrays are not supported; save with np\.ascontiguousarray \(found fortran_order: True in m\.npy\)/);
  });

  it.each([
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (2,), ", /Malformed \.npy header: unexpected end of header/],
    ["{'descr': '<f8' 'fortran_order': False, 'shape': (2,)}", /Malformed \.npy header: expected ',' or '}' in dict/],
    ["{'descr': '<f8, 'fortran_order': False, 'shape': (2,)}", /Malformed \.npy header/],
    ["['descr', '<f8']", /expected a dict with keys 'descr', 'fortran_order' and 'shape', found \['descr', '<f8'\]/],
    ["{'descr': '<f8', 'shape': (2,)}", /expected exactly the keys 'descr', 'fortran_order' and 'shape', found 'descr', 'shape'/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'extra': 1}", /found 'descr', 'extra', 'fortran_order', 'shape'/],
    ["{'descr': '<f8', 'fortran_order': 0, 'shape': (2,)}", /'fortran_order' must be True or False, found 0/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': [2]}", /'shape' must be a tuple of non-negative integers, found \[2\]/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (2, -1)}", /'shape' must be a tuple of non-negative integers, found \(2, -1\)/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (2.5,)}", /expected an integer/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': np.int64(2)}", /unsupported token 'np'/],
    ["{1: '<f8'}", /non-string key 1/],
    ['', /unexpected end of header/],
  ])('rejects malformed header %j', (header, message) => {
    expectNpyError(() => parseNpy(makeNpy(header, new Uint8Array(16))), message);
  });

  it('rejects a version 3.0 header that is not UTF-8', () => {
    const file = makeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }", new Uint8Array(0), 3);
    file[13] = 0xff;
    expectNpyError(() => parseNpy(file), /version 3\.0 header is not valid UTF-8/);
  });
});

describe('Node helpers and numpy interop (npy)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'matsense-npy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('saveNpy / loadNpy round trip', async () => {
    const arr: NpyArray = { dtype: 'float32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) };
    const p = join(dir, 'rt.npy');
    await saveNpy(p, arr);
    expect(await loadNpy(p)).toEqual(arr);
    await expect(loadNpy(join(FIXTURES, 'uint8.npy'))).rejects.toThrow(/Unsupported dtype in .*uint8\.npy/);
  });

  it.skipIf(!HAS_NUMPY)('numpy loads .npy files written by encodeNpy', () => {
    const cases: Record<string, NpyArray> = {
      f64: { dtype: 'float64', shape: [3, 5], data: Float64Array.from(arangeOver7(15)) },
      f32: { dtype: 'float32', shape: [4], data: Float32Array.of(0.5, -1, 2, 1e-3) },
      scalar: { dtype: 'float64', shape: [], data: Float64Array.of(-7.25) },
      empty: { dtype: 'float32', shape: [0, 2], data: new Float32Array(0) },
    };
    for (const [k, arr] of Object.entries(cases)) writeFileSync(join(dir, `${k}.npy`), encodeNpy(arr));
    const script = `
import json, sys, numpy as np
out = {}
for k in sys.argv[2:]:
    a = np.load(f"{sys.argv[1]}/{k}.npy")
    out[k] = {"dtype": a.dtype.str, "shape": list(a.shape), "c": bool(a.flags.c_contiguous), "values": a.ravel().astype(float).tolist()}
print(json.dumps(out))
`;
    const r = spawnSync('python3', ['-c', script, dir, ...Object.keys(cases)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as Record<string, { dtype: string; shape: number[]; c: boolean; values: number[] }>;
    for (const [k, arr] of Object.entries(cases)) {
      expect(got[k]).toEqual({
        dtype: arr.dtype === 'float32' ? '<f4' : '<f8',
        shape: arr.shape,
        c: true,
        values: Array.from(arr.data),
      });
    }
  });
});

describe('error hierarchy', () => {
  it('NpyFormatError is a MatsenseError and keeps its cause', async () => {
    const { MatsenseError } = await import('../../src/errors.js');
    const e = new NpyFormatError('x', { cause: 7 });
    expect(e).toBeInstanceOf(MatsenseError);
    expect(e).toBeInstanceOf(Error);
    expect(e.cause).toBe(7);
    expect(e.name).toBe('NpyFormatError');
  });
});
