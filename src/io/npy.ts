/**
 * Reading and writing NumPy `.npy` files (format versions 1.0, 2.0 and 3.0) in
 * plain TypeScript, for Node and browsers alike.
 *
 * Only what a matrix-sensing problem needs is supported: little-endian
 * `float32` (`'<f4'`) and `float64` (`'<f8'`) arrays in C (row-major) order, of
 * any rank including 0-d. Everything else is rejected with an
 * {@link NpyFormatError} whose message says what was found and what is
 * supported.
 *
 * @see https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 * @packageDocumentation
 */

import { MatsenseError } from '../errors.js';

/** Element types that {@link parseNpy} and {@link encodeNpy} support. */
export type NpyDtype = 'float32' | 'float64' | 'int32' | 'int64';

/**
 * A dense n-dimensional array as stored in a `.npy` file: row-major (C order)
 * data together with its shape and element type.
 *
 * `data.length` equals the product of `shape` (1 for a 0-d array, whose
 * `shape` is `[]`). `data` is a `Float32Array` when `dtype` is `'float32'` and
 * a `Float64Array` otherwise: integer arrays (`'int32'`, `'int64'`: indices, such as the rows and columns of matrix
 * completion data) are read into exact f64 values (int64 entries beyond ±2^53 are refused).
 */
export interface NpyArray {
  /** Element type: `'float32'` (`'<f4'` in NumPy), `'float64'` (`'<f8'`), `'int32'` (`'<i4'`) or `'int64'` (`'<i8'`). */
  dtype: NpyDtype;
  /** Dimensions, outermost first; `[]` for a 0-d (scalar) array. */
  shape: number[];
  /** Elements in C (row-major) order. */
  data: Float32Array | Float64Array;
}

/**
 * Thrown when bytes are not a `.npy`/`.npz` payload this library can read, or
 * when an array cannot be encoded. The message names what was found and what
 * is supported. A {@link MatsenseError}.
 */
export class NpyFormatError extends MatsenseError {
  /**
   * @param message - Human-readable description of the problem.
   * @param options - Standard error options (e.g. `cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message);
    this.name = 'NpyFormatError';
    if (options !== undefined && 'cause' in options) this.cause = options.cause;
  }
}

/** The 6-byte magic string every `.npy` file starts with: `\x93NUMPY`. */
export const NPY_MAGIC: Uint8Array = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59);

/** Alignment (bytes) of the data section that NumPy uses when writing, and so do we. */
const ARRAY_ALIGN = 64;

const SUPPORTED_DTYPES = "'<f4' (float32), '<f8' (float64), and the index types '<i4' (int32) and '<i8' (int64)";

const HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

const ITEMSIZE: Record<NpyDtype, number> = { float32: 4, float64: 8, int32: 4, int64: 8 };

/** A value of the Python-literal subset that can appear in a `.npy` header. */
type PyValue = string | number | boolean | null | PyValue[] | PyTuple | PyDict;
interface PyTuple {
  kind: 'tuple';
  items: PyValue[];
}
interface PyDict {
  kind: 'dict';
  entries: Array<[PyValue, PyValue]>;
}

function where(name: string | undefined): string {
  return name === undefined ? '' : ` in ${name}`;
}

function isTuple(v: PyValue): v is PyTuple {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && v.kind === 'tuple';
}

function isDict(v: PyValue): v is PyDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && v.kind === 'dict';
}

function pyRepr(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (isTuple(v)) {
    return v.items.length === 1 ? `(${pyRepr(v.items[0] as PyValue)},)` : `(${v.items.map(pyRepr).join(', ')})`;
  }
  return `{${v.entries.map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
}

/**
 * Parses the Python-literal subset NumPy writes in `.npy` headers: dicts,
 * tuples, lists, strings, integers (with an optional Python 2 `L` suffix),
 * `True`, `False` and `None`.
 */
class PyLiteralParser {
  private pos = 0;

  constructor(
    private readonly src: string,
    private readonly name: string | undefined,
  ) {}

  parseAll(): PyValue {
    const v = this.value();
    this.ws();
    if (this.pos !== this.src.length) this.fail(`unexpected ${JSON.stringify(this.src.slice(this.pos, this.pos + 10))}`);
    return v;
  }

  private fail(what: string): never {
    throw new NpyFormatError(
      `Malformed .npy header${where(this.name)}: ${what} at character ${this.pos} of ${JSON.stringify(this.src)}; ` +
        `expected a Python dict literal like {'descr': '<f8', 'fortran_order': False, 'shape': (3, 5), }`,
    );
  }

  private ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos] as string)) this.pos++;
  }

  private value(): PyValue {
    this.ws();
    const c = this.src[this.pos];
    if (c === undefined) this.fail('unexpected end of header');
    if (c === '{') return this.dict();
    if (c === '(') return this.sequence(')');
    if (c === '[') return this.sequence(']');
    if (c === "'" || c === '"') return this.string();
    if (/[-+0-9]/.test(c)) return this.number();
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos));
    if (word !== null) {
      const w = word[0];
      if (w === 'True' || w === 'False' || w === 'None') {
        this.pos += w.length;
        return w === 'None' ? null : w === 'True';
      }
      this.fail(`unsupported token '${w}'`);
    }
    this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  private dict(): PyDict {
    this.pos++; // '{'
    const entries: Array<[PyValue, PyValue]> = [];
    for (;;) {
      this.ws();
      if (this.src[this.pos] === '}') {
        this.pos++;
        return { kind: 'dict', entries };
      }
      const key = this.value();
      this.ws();
      if (this.src[this.pos] !== ':') this.fail("expected ':' after dict key");
      this.pos++;
      const val = this.value();
      entries.push([key, val]);
      this.ws();
      const sep = this.src[this.pos];
      if (sep === ',') this.pos++;
      else if (sep !== '}') this.fail("expected ',' or '}' in dict");
    }
  }

  private sequence(close: ')' | ']'): PyValue {
    this.pos++; // '(' or '['
    const items: PyValue[] = [];
    let sawComma = false;
    for (;;) {
      this.ws();
      if (this.src[this.pos] === close) {
        this.pos++;
        break;
      }
      items.push(this.value());
      this.ws();
      const sep = this.src[this.pos];
      if (sep === ',') {
        sawComma = true;
        this.pos++;
      } else if (sep !== close) this.fail(`expected ',' or '${close}'`);
    }
    if (close === ']') return items;
    // `(x)` is just a parenthesised value in Python, not a tuple.
    if (items.length === 1 && !sawComma) return items[0] as PyValue;
    return { kind: 'tuple', items };
  }

  private string(): string {
    const quote = this.src[this.pos];
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined || c === '\n') this.fail('unterminated string');
      this.pos++;
      if (c === quote) return out;
      if (c === '\\') {
        const e = this.src[this.pos];
        if (e === undefined) this.fail('unterminated string');
        this.pos++;
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"' };
        const mapped = simple[e];
        if (mapped === undefined) this.fail(`unsupported string escape '\\${e}'`);
        out += mapped;
      } else {
        out += c;
      }
    }
  }

  private number(): number {
    const m = /^[-+]?[0-9]+L?/.exec(this.src.slice(this.pos));
    if (m === null) this.fail('malformed integer');
    this.pos += m[0].length;
    const next = this.src[this.pos];
    if (next === '.' || next === 'e' || next === 'E') this.fail('expected an integer');
    return Number(m[0].replace(/L$/, ''));
  }
}

/** Maps a NumPy dtype descriptor to a supported dtype, or throws a descriptive error. */
function dtypeFromDescr(descr: PyValue, name: string | undefined): NpyDtype {
  const w = where(name);
  if (typeof descr !== 'string') {
    throw new NpyFormatError(
      `Unsupported dtype${w}: structured/record dtype ${pyRepr(descr)}; only ${SUPPORTED_DTYPES} are supported`,
    );
  }
  const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  if (m !== null) {
    const [, order, kind, size] = m as unknown as [string, string, string, string];
    if (kind === 'f' && (size === '4' || size === '8')) {
      if (order === '>') {
        throw new NpyFormatError(
          `Unsupported dtype${w}: '${descr}' is big-endian; only little-endian ${SUPPORTED_DTYPES} are supported ` +
            `(convert with arr.astype('<f${size}'))`,
        );
      }
      if (order === '<' || order === '|') return size === '4' ? 'float32' : 'float64';
    }
    if (kind === 'i' && (size === '4' || size === '8')) {
      if (order === '>') {
        throw new NpyFormatError(`Unsupported dtype${w}: '${descr}' is big-endian; only little-endian ${SUPPORTED_DTYPES} are supported (convert with arr.astype('<i${size}'))`);
      }
      if (order === '<' || order === '|' || order === '=') return size === '4' ? 'int32' : 'int64';
    }
    const kinds: Record<string, string> = {
      f: 'floating-point',
      i: 'signed integer',
      u: 'unsigned integer',
      b: 'boolean',
      c: 'complex',
      O: 'Python object',
      S: 'byte string',
      U: 'unicode string',
      V: 'void/raw',
      M: 'datetime',
      m: 'timedelta',
    };
    const kindName = kinds[kind];
    if (kindName !== undefined) {
      throw new NpyFormatError(
        `Unsupported dtype${w}: '${descr}' (${kindName}${size === '' ? '' : `, ${size} bytes`}); only ${SUPPORTED_DTYPES} ` +
          `are supported (convert with arr.astype('<f8'))`,
      );
    }
  }
  throw new NpyFormatError(`Unsupported dtype${w}: '${descr}'; only ${SUPPORTED_DTYPES} are supported`);
}

/** Decodes the header bytes: latin-1 for versions 1.0/2.0, UTF-8 for 3.0. */
function decodeHeader(bytes: Uint8Array, utf8: boolean, name: string | undefined): string {
  if (utf8) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (cause) {
      throw new NpyFormatError(`Malformed .npy header${where(name)}: version 3.0 header is not valid UTF-8`, { cause });
    }
  }
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, Math.min(i + 8192, bytes.length)));
  }
  return s;
}

/** What a `.npy` header says: the dtype, the shape, where the data starts and how many bytes it takes. */
export interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  /** Offset of the data section from the start of the file. */
  dataOffset: number;
  /** Bytes of data the shape and dtype need. */
  nbytes: number;
}

/**
 * Parse the header of a `.npy` file from its first bytes (the data need not be there): enough to check a member's
 * shape and size before inflating or reading it.
 * @throws {@link NpyFormatError} on a bad magic string, version or header (truncation of the data is not checked).
 */
export function parseNpyHeader(bytes: Uint8Array, name?: string): NpyHeader {
  const w = where(name);
  const prefixLen = Math.min(bytes.length, NPY_MAGIC.length);
  for (let i = 0; i < prefixLen; i++) {
    if (bytes[i] !== NPY_MAGIC[i]) {
      const found = Array.from(bytes.subarray(0, NPY_MAGIC.length), (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new NpyFormatError(
        `Not a .npy file${w}: bad magic string (found bytes ${found}; expected 93 4e 55 4d 50 59, i.e. "\\x93NUMPY")`,
      );
    }
  }
  if (bytes.length < 8) {
    throw new NpyFormatError(
      `Truncated .npy header${w}: file is ${bytes.length} bytes but the magic string and version need 8`,
    );
  }
  const major = bytes[6] as number;
  const minor = bytes[7] as number;
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) {
    throw new NpyFormatError(
      `Unsupported .npy format version ${major}.${minor}${w}; supported versions are 1.0, 2.0 and 3.0`,
    );
  }
  const lenBytes = major === 1 ? 2 : 4;
  const preamble = 8 + lenBytes;
  if (bytes.length < preamble) {
    throw new NpyFormatError(
      `Truncated .npy header${w}: file is ${bytes.length} bytes but a version ${major}.0 preamble needs ${preamble}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = preamble + headerLen;
  if (bytes.length < dataOffset) {
    throw new NpyFormatError(
      `Truncated .npy header${w}: header declares ${headerLen} bytes (data would start at byte ${dataOffset}) ` +
        `but the file is only ${bytes.length} bytes`,
    );
  }
  const headerText = decodeHeader(bytes.subarray(preamble, dataOffset), major === 3, name);
  const header = new PyLiteralParser(headerText, name).parseAll();
  if (!isDict(header)) {
    throw new NpyFormatError(
      `Malformed .npy header${w}: expected a dict with keys 'descr', 'fortran_order' and 'shape', found ${pyRepr(header)}`,
    );
  }
  const fields = new Map<string, PyValue>();
  for (const [k, v] of header.entries) {
    if (typeof k !== 'string') {
      throw new NpyFormatError(`Malformed .npy header${w}: non-string key ${pyRepr(k)} in ${JSON.stringify(headerText.trim())}`);
    }
    fields.set(k, v);
  }
  const keys = [...fields.keys()].sort();
  if (keys.join(',') !== 'descr,fortran_order,shape') {
    throw new NpyFormatError(
      `Malformed .npy header${w}: expected exactly the keys 'descr', 'fortran_order' and 'shape', ` +
        `found ${keys.length === 0 ? 'none' : keys.map((k) => `'${k}'`).join(', ')}`,
    );
  }
  const fortran = fields.get('fortran_order') as PyValue;
  if (typeof fortran !== 'boolean') {
    throw new NpyFormatError(`Malformed .npy header${w}: 'fortran_order' must be True or False, found ${pyRepr(fortran)}`);
  }
  const shapeVal = fields.get('shape') as PyValue;
  if (
    !isTuple(shapeVal) ||
    !shapeVal.items.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)
  ) {
    throw new NpyFormatError(
      `Malformed .npy header${w}: 'shape' must be a tuple of non-negative integers, found ${pyRepr(shapeVal)}`,
    );
  }
  const shape = shapeVal.items as number[];
  const dtype = dtypeFromDescr(fields.get('descr') as PyValue, name);
  if (fortran) {
    throw new NpyFormatError(
      `Fortran-order arrays are not supported; save with np.ascontiguousarray (found fortran_order: True${w})`,
    );
  }
  let count = 1;
  for (const d of shape) count *= d;
  const nbytes = count * ITEMSIZE[dtype];
  if (!Number.isSafeInteger(nbytes)) {
    throw new NpyFormatError(`Malformed .npy header${w}: shape ${pyRepr(shapeVal)} is too large`);
  }
  return { dtype, shape: [...shape], dataOffset, nbytes };
}

/**
 * Parses a NumPy `.npy` file.
 *
 * Accepts header format versions 1.0, 2.0 and 3.0 and C-order arrays of dtype
 * `'<f4'` or `'<f8'` (the byte-order-free `'|f4'`/`'|f8'` spellings are also
 * accepted). The element data is copied into a freshly allocated, properly
 * aligned typed array, so the result never aliases `bytes`. Bytes after the
 * data section are ignored, as NumPy does.
 *
 * @param bytes - The complete contents of the `.npy` file.
 * @param name - Optional file or member name, used only in error messages.
 * @returns The array's dtype, shape and row-major data.
 * @throws {@link NpyFormatError} on a bad magic string, an unsupported format
 *   version, a truncated header or data section, a malformed header dict, an
 *   unsupported dtype (big-endian, integer, complex, object, structured, ...)
 *   or a Fortran-order array.
 *
 * @example
 * ```ts
 * const { shape, data } = parseNpy(await fs.readFile('x.npy'));
 * ```
 */
export function parseNpy(bytes: Uint8Array, name?: string): NpyArray {
  const w = where(name);
  const { dtype, shape, dataOffset, nbytes } = parseNpyHeader(bytes, name);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = nbytes / ITEMSIZE[dtype];
  const shapeText = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  const available = bytes.length - dataOffset;
  if (available < nbytes) {
    throw new NpyFormatError(
      `Truncated .npy data${w}: shape ${shapeText} of ${dtype} needs ${nbytes} bytes of data ` +
        `(expected ${nbytes} bytes, found ${available})`,
    );
  }
  if (dtype === 'int32' || dtype === 'int64') {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      if (dtype === 'int32') { out[i] = view.getInt32(dataOffset + 4 * i, true); continue; }
      const v = view.getBigInt64(dataOffset + 8 * i, true);
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new NpyFormatError(`Unsupported value${w}: int64 entry ${i} is ${v}, beyond ±2^53 (indices must be exact in f64)`);
      }
      out[i] = Number(v);
    }
    return { dtype, shape: [...shape], data: out };
  }
  const data = dtype === 'float32' ? new Float32Array(count) : new Float64Array(count);
  if (HOST_LITTLE_ENDIAN) {
    new Uint8Array(data.buffer).set(bytes.subarray(dataOffset, dataOffset + nbytes));
  } else if (dtype === 'float32') {
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(dataOffset + 4 * i, true);
  } else {
    for (let i = 0; i < count; i++) data[i] = view.getFloat64(dataOffset + 8 * i, true);
  }
  return { dtype, shape: [...shape], data };
}

/**
 * Encodes an array as a NumPy `.npy` file.
 *
 * Writes format version 1.0 (2.0 only if the header would exceed 65535 bytes,
 * which needs an absurdly high rank), with descr `'<f4'` or `'<f8'`,
 * `fortran_order: False`, and the data section aligned to 64 bytes exactly as
 * `np.save` does, so `np.load` reads the result directly.
 *
 * @param arr - The array to encode. `data` must be a `Float32Array` for
 *   `'float32'` or a `Float64Array` for `'float64'`, with length equal to the
 *   product of `shape`.
 * @returns The bytes of the `.npy` file.
 * @throws {@link NpyFormatError} if the dtype, data type or shape is invalid or
 *   inconsistent.
 */
export function encodeNpy(arr: NpyArray): Uint8Array {
  const { dtype, shape, data } = arr;
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new NpyFormatError(`Cannot encode dtype ${JSON.stringify(dtype)}; supported dtypes are 'float32' and 'float64'`);
  }
  const wantName = dtype === 'float32' ? 'Float32Array' : 'Float64Array';
  // Tag check rather than instanceof, so typed arrays from other realms (vm, iframes) are accepted.
  const tag = Object.prototype.toString.call(data).slice(8, -1);
  if (tag !== wantName) {
    throw new NpyFormatError(`Cannot encode: dtype '${dtype}' requires data to be a ${wantName}, found ${tag}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new NpyFormatError(`Cannot encode: shape must be an array of non-negative integers, found ${JSON.stringify(shape)}`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new NpyFormatError(
      `Cannot encode: shape ${JSON.stringify(shape)} has ${count} elements but data has ${data.length}`,
    );
  }
  const descr = dtype === 'float32' ? '<f4' : '<f8';
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  // Header (dict + padding + '\n') is pure ASCII, so length in chars == bytes.
  let major = 1;
  let preamble = 10;
  let total = Math.ceil((preamble + dict.length + 1) / ARRAY_ALIGN) * ARRAY_ALIGN;
  if (total - preamble > 0xffff) {
    major = 2;
    preamble = 12;
    total = Math.ceil((preamble + dict.length + 1) / ARRAY_ALIGN) * ARRAY_ALIGN;
  }
  const headerLen = total - preamble;
  const out = new Uint8Array(total + data.byteLength);
  out.set(NPY_MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, headerLen, true);
  else view.setUint32(8, headerLen, true);
  for (let i = 0; i < dict.length; i++) out[preamble + i] = dict.charCodeAt(i);
  out.fill(0x20, preamble + dict.length, total - 1);
  out[total - 1] = 0x0a;
  if (HOST_LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  } else if (dtype === 'float32') {
    for (let i = 0; i < data.length; i++) view.setFloat32(total + 4 * i, data[i] as number, true);
  } else {
    for (let i = 0; i < data.length; i++) view.setFloat64(total + 8 * i, data[i] as number, true);
  }
  return out;
}
