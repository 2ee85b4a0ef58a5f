/**
 * A minimal ZIP reader and writer, sufficient for NumPy `.npz` archives.
 *
 * Reading: the central directory (including ZIP64 end records and ZIP64
 * extra fields), entries stored (method 0) or deflated (method 8), with CRC-32
 * verification. Decompression goes through an injectable {@link InflateRaw}
 * function; the default uses `node:zlib` on Node (imported lazily) and
 * `DecompressionStream('deflate-raw')` elsewhere, so this module runs in
 * browsers too.
 *
 * Writing: stored (uncompressed) entries with correct CRC-32, switching to
 * ZIP64 records whenever a size, offset or entry count needs it.
 *
 * Not supported: encryption, multi-disk archives, and compression methods
 * other than stored/deflate.
 *
 * Why not fflate: it reads and writes no ZIP64 (its issue #230, still open in
 * 2026), and `np.savez` writes ZIP64 for any member over 4 GiB — an operator
 * of m × n1·n2 float32 entries reaches that at m·N = 2³⁰. Owning the reader
 * also lets it refuse a decompression bomb from the central directory and the
 * members' `.npy` headers before inflating anything ({@link checkDeclaredSizes},
 * {@link peekZipEntry}).
 *
 * @packageDocumentation
 */

import { NpyFormatError } from './npy.js';

/**
 * Thrown for malformed or unsupported ZIP archives (including CRC-32
 * mismatches). A subclass of {@link NpyFormatError}, so `.npz` callers can
 * catch a single error type.
 */
export class ZipFormatError extends NpyFormatError {
  /**
   * @param message - Human-readable description of the problem.
   * @param options - Standard error options (e.g. `cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ZipFormatError';
  }
}

/**
 * Decompresses raw DEFLATE data (RFC 1951, no zlib/gzip wrapper).
 *
 * @param data - The compressed bytes of one ZIP entry.
 * @param uncompressedSize - The size the central directory declares for the
 *   output; implementations may use it to preallocate or to cap the output.
 * @returns The decompressed bytes (synchronously or as a promise).
 */
export type InflateRaw = (data: Uint8Array, uncompressedSize: number) => Uint8Array | Promise<Uint8Array>;

/** Metadata of one entry of a ZIP archive, read from its central directory. */
export interface ZipEntryInfo {
  /** File name inside the archive (UTF-8 or CP437 decoded, per the entry's flags). */
  name: string;
  /** Compression method: 0 = stored, 8 = deflate (others are reported but cannot be extracted). */
  method: number;
  /** CRC-32 of the uncompressed data, as recorded in the central directory. */
  crc32: number;
  /** Size of the (possibly compressed) data in the archive, in bytes. */
  compressedSize: number;
  /** Size of the uncompressed data, in bytes. */
  uncompressedSize: number;
  /** Offset of the entry's local file header from the start of the archive. */
  localHeaderOffset: number;
  /** General-purpose bit flags of the entry. */
  flags: number;
}

/** One extracted entry of a ZIP archive. */
export interface ZipEntry {
  /** File name inside the archive. */
  name: string;
  /** The uncompressed, CRC-verified contents. */
  data: Uint8Array;
}

/** Options for {@link readZip} and {@link extractZipEntry}. */
export interface ReadZipOptions {
  /**
   * Raw-DEFLATE decompressor for method-8 entries. Defaults to
   * {@link defaultInflateRaw}.
   */
  inflate?: InflateRaw;
  /**
   * Most bytes the archive's entries may declare in all (their uncompressed sizes), checked before anything is
   * inflated: a decompression bomb is refused in milliseconds. Default 2³² (4 GiB).
   */
  maxTotalBytes?: number;
}

/** DEFLATE cannot expand data by more than 1032:1 (258-byte matches from 2-bit codes); a larger claim is corrupt. */
export const MAX_DEFLATE_RATIO = 1032;

/**
 * Check the declared sizes of the entries before extracting any: each entry's against what its compressed size can
 * hold, and their total against `maxTotalBytes`. @throws {@link ZipFormatError}.
 */
export function checkDeclaredSizes(entries: readonly ZipEntryInfo[], maxTotalBytes = 2 ** 32): void {
  let total = 0;
  for (const e of entries) {
    if (e.method === 0 && e.uncompressedSize !== e.compressedSize) {
      throw new ZipFormatError(`Corrupt ZIP: stored entry '${e.name}' declares ${e.uncompressedSize} bytes but holds ${e.compressedSize}`);
    }
    if (e.method === 8 && e.uncompressedSize > e.compressedSize * MAX_DEFLATE_RATIO + 1024) {
      throw new ZipFormatError(`Corrupt ZIP: entry '${e.name}' declares ${e.uncompressedSize} bytes from ${e.compressedSize} compressed, beyond DEFLATE's maximum ratio (${MAX_DEFLATE_RATIO}:1)`);
    }
    total += e.uncompressedSize;
  }
  if (total > maxTotalBytes) {
    throw new ZipFormatError(`ZIP archive too large: its entries declare ${total} bytes uncompressed, more than the ${maxTotalBytes} allowed (refused before inflating anything)`);
  }
}

/**
 * The first `n` uncompressed bytes of an entry (fewer if it is shorter), inflating only a prefix of its compressed
 * data: enough to read a member's header before deciding to extract it. Deflated entries need Node's zlib; elsewhere
 * this returns undefined.
 */
export async function peekZipEntry(bytes: Uint8Array, entry: ZipEntryInfo, n: number): Promise<Uint8Array | undefined> {
  const raw = entryData(bytes, entry);
  if (entry.method === 0) return raw.subarray(0, n);
  if (entry.method !== 8 || !isNode()) return undefined;
  const zlib = await loadZlib();
  // a prefix of at most n bytes of compressed data holds at least the first n/1032 output bytes; flush what it gives
  const prefix = raw.subarray(0, Math.min(raw.length, n + 64));
  try {
    const out = zlib.inflateRawSync(prefix, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: Math.max(1, n * MAX_DEFLATE_RATIO) });
    return new Uint8Array(out.buffer, out.byteOffset, Math.min(n, out.byteLength));
  } catch (cause) {
    throw new ZipFormatError(`Corrupt ZIP: could not inflate the start of entry '${entry.name}': ${(cause as Error).message}`, { cause });
  }
}

/** The compressed data of an entry (a view into `bytes`), after checking its local header. */
function entryData(bytes: Uint8Array, entry: ZipEntryInfo): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const p = entry.localHeaderOffset;
  if (p + LOCAL_SIZE > bytes.length || view.getUint32(p, true) !== SIG_LOCAL) {
    throw new ZipFormatError(`Malformed ZIP: local header of '${entry.name}' not found at offset ${p}`);
  }
  const start = p + LOCAL_SIZE + view.getUint16(p + 26, true) + view.getUint16(p + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) {
    throw new ZipFormatError(
      `Truncated ZIP: entry '${entry.name}' needs ${entry.compressedSize} bytes at offset ${start} ` +
        `(expected ${entry.compressedSize} bytes, found ${Math.max(0, bytes.length - start)})`,
    );
  }
  return bytes.subarray(start, end);
}

/** Options for {@link writeZip}. */
export interface WriteZipOptions {
  /**
   * Write ZIP64 extra fields and end-of-central-directory records even when no
   * size or offset needs them (like Python's `force_zip64`). Default `false`:
   * ZIP64 is used only where a value exceeds the 32-bit (or 16-bit count)
   * limits.
   */
  forceZip64?: boolean;
  /**
   * Modification time stored for every entry. Default: 1980-01-01 00:00:00,
   * which makes the output byte-for-byte reproducible.
   */
  date?: Date;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const EOCD_SIZE = 22;
const EOCD64_SIZE = 56;
const EOCD64_LOCATOR_SIZE = 20;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const ZIP64_EXTRA_ID = 0x0001;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8 = 0x0800;

let crcTable: Uint32Array | undefined;

function getCrcTable(): Uint32Array {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  return crcTable;
}

/**
 * Computes the CRC-32 (ISO-HDLC / zlib polynomial 0xEDB88320) of `data`.
 *
 * @param data - Bytes to checksum.
 * @param crc - CRC of preceding data, to checksum incrementally. Default 0.
 * @returns The CRC-32 as an unsigned 32-bit integer.
 */
export function crc32(data: Uint8Array, crc = 0): number {
  const table = getCrcTable();
  let c = (crc ^ U32_MAX) >>> 0;
  for (let i = 0; i < data.length; i++) c = (table[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ U32_MAX) >>> 0;
}

function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string';
}

type ZlibModule = typeof import('node:zlib');
let zlibPromise: Promise<ZlibModule> | undefined;

function loadZlib(): Promise<ZlibModule> {
  // The specifier is held in a variable so browser bundlers don't try to resolve it.
  const specifier = 'node:zlib';
  zlibPromise ??= import(/* @vite-ignore */ specifier) as Promise<ZlibModule>;
  return zlibPromise;
}

/**
 * Raw-DEFLATE decompression with the WHATWG `DecompressionStream('deflate-raw')`
 * (browsers, Deno, Node ≥ 20.12).
 *
 * @param data - Compressed bytes.
 * @returns The decompressed bytes.
 * @throws Error if `DecompressionStream` is unavailable or the data is corrupt.
 */
export async function inflateRawWithDecompressionStream(data: Uint8Array): Promise<Uint8Array> {
  if (typeof DecompressionStream !== 'function') {
    throw new Error('DecompressionStream is not available in this environment; pass an `inflate` function');
  }
  const input = data.buffer instanceof ArrayBuffer ? (data as Uint8Array<ArrayBuffer>) : new Uint8Array(data);
  const stream = new Blob([input]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The default raw-DEFLATE decompressor: `zlib.inflateRawSync` on Node
 * (`node:zlib` is imported dynamically, only when running on Node), otherwise
 * {@link inflateRawWithDecompressionStream}.
 *
 * @param data - Compressed bytes.
 * @param uncompressedSize - Expected output size; on Node the output is capped
 *   just above it, so a corrupt or malicious entry cannot exhaust memory.
 * @returns The decompressed bytes.
 */
export async function defaultInflateRaw(data: Uint8Array, uncompressedSize: number): Promise<Uint8Array> {
  if (isNode()) {
    const zlib = await loadZlib();
    const out = zlib.inflateRawSync(data, { maxOutputLength: Math.max(1, uncompressedSize + 1) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
  return inflateRawWithDecompressionStream(data);
}

// CP437 code points for bytes 0x80..0xFF (names without the UTF-8 flag).
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀' +
  'αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

function decodeName(bytes: Uint8Array, utf8: boolean): string {
  if (utf8) return new TextDecoder('utf-8').decode(bytes);
  let s = '';
  for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : (CP437_HIGH[b - 0x80] as string);
  return s;
}

function u64(view: DataView, off: number, what: string): number {
  const v = view.getBigUint64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError(`Malformed ZIP: ${what} ${v} is too large`);
  return Number(v);
}

function findEocd(bytes: Uint8Array, view: DataView): number {
  const minStart = Math.max(0, bytes.length - EOCD_SIZE - U16_MAX);
  for (let i = bytes.length - EOCD_SIZE; i >= minStart; i--) {
    if (view.getUint32(i, true) === SIG_EOCD) {
      // The comment must run exactly to the end of the file.
      if (i + EOCD_SIZE + view.getUint16(i + 20, true) === bytes.length) return i;
    }
  }
  for (let i = bytes.length - EOCD_SIZE; i >= minStart; i--) {
    if (view.getUint32(i, true) === SIG_EOCD) return i;
  }
  if (bytes.length < EOCD_SIZE) {
    throw new ZipFormatError(
      `Not a ZIP/.npz archive: ${bytes.length} bytes is too short to hold an end-of-central-directory record (22 bytes)`,
    );
  }
  throw new ZipFormatError('Not a ZIP/.npz archive: no end-of-central-directory record found (signature PK\\x05\\x06)');
}

/**
 * Lists the entries of a ZIP archive by reading its central directory
 * (ZIP64-aware). Nothing is decompressed.
 *
 * @param bytes - The complete archive.
 * @returns The entries in central-directory order.
 * @throws {@link ZipFormatError} if the archive is malformed, truncated,
 *   split across disks, or has encrypted entries.
 */
export function listZipEntries(bytes: Uint8Array): ZipEntryInfo[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEocd(bytes, view);
  let diskNo = view.getUint16(eocd + 4, true);
  let cdDisk = view.getUint16(eocd + 6, true);
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  let cdEnd = eocd; // where the central directory should end
  const loc = eocd - EOCD64_LOCATOR_SIZE;
  if (loc >= 0 && view.getUint32(loc, true) === SIG_EOCD64_LOCATOR) {
    const rec = u64(view, loc + 8, 'ZIP64 end record offset');
    // Archives with prepended data have shifted offsets; the record sits just before the locator.
    const rec64 = loc - EOCD64_SIZE >= 0 && view.getUint32(loc - EOCD64_SIZE, true) === SIG_EOCD64 ? loc - EOCD64_SIZE : rec;
    if (rec64 + EOCD64_SIZE > bytes.length || view.getUint32(rec64, true) !== SIG_EOCD64) {
      throw new ZipFormatError(`Malformed ZIP: ZIP64 end-of-central-directory record not found at offset ${rec}`);
    }
    diskNo = view.getUint32(rec64 + 16, true);
    cdDisk = view.getUint32(rec64 + 20, true);
    count = u64(view, rec64 + 32, 'entry count');
    cdSize = u64(view, rec64 + 40, 'central directory size');
    cdOffset = u64(view, rec64 + 48, 'central directory offset');
    cdEnd = rec64;
  } else if (count === U16_MAX || cdSize === U32_MAX || cdOffset === U32_MAX) {
    throw new ZipFormatError('Malformed ZIP: end record needs ZIP64 values but no ZIP64 end-of-central-directory locator was found');
  }
  if (diskNo !== 0 || cdDisk !== 0) {
    throw new ZipFormatError('Unsupported ZIP: multi-disk (split/spanned) archives are not supported');
  }
  // Offsets are relative to the start of the archive, which may follow prepended data (e.g. a stub).
  const concat = cdEnd - cdSize - cdOffset;
  if (concat < 0) {
    throw new ZipFormatError(
      `Truncated or malformed ZIP: central directory (${cdSize} bytes at offset ${cdOffset}) does not fit before the end record at ${cdEnd}`,
    );
  }
  const entries: ZipEntryInfo[] = [];
  let p = cdOffset + concat;
  for (let n = 0; n < count; n++) {
    if (p + CENTRAL_SIZE > bytes.length || view.getUint32(p, true) !== SIG_CENTRAL) {
      throw new ZipFormatError(`Malformed ZIP: central directory entry ${n} not found at offset ${p}`);
    }
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true);
    let uncompressedSize = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const diskStart = view.getUint16(p + 34, true);
    let localHeaderOffset = view.getUint32(p + 42, true);
    const nameStart = p + CENTRAL_SIZE;
    const extraStart = nameStart + nameLen;
    const next = extraStart + extraLen + commentLen;
    if (next > bytes.length) throw new ZipFormatError(`Truncated ZIP: central directory entry ${n} runs past the end of the file`);
    const name = decodeName(bytes.subarray(nameStart, extraStart), (flags & FLAG_UTF8) !== 0);
    // ZIP64 extended information: only the fields whose 32-bit slot is 0xFFFFFFFF, in this order.
    for (let e = extraStart; e + 4 <= extraStart + extraLen; ) {
      const id = view.getUint16(e, true);
      const size = view.getUint16(e + 2, true);
      if (id === ZIP64_EXTRA_ID) {
        let q = e + 4;
        const end = Math.min(q + size, extraStart + extraLen);
        const take = (what: string): number => {
          if (q + 8 > end) throw new ZipFormatError(`Malformed ZIP: ZIP64 extra field of '${name}' lacks the ${what}`);
          const v = u64(view, q, what);
          q += 8;
          return v;
        };
        if (uncompressedSize === U32_MAX) uncompressedSize = take('uncompressed size');
        if (compressedSize === U32_MAX) compressedSize = take('compressed size');
        if (localHeaderOffset === U32_MAX) localHeaderOffset = take('local header offset');
      }
      e += 4 + size;
    }
    if (diskStart !== 0 && diskStart !== U16_MAX) {
      throw new ZipFormatError('Unsupported ZIP: multi-disk (split/spanned) archives are not supported');
    }
    if (flags & FLAG_ENCRYPTED) throw new ZipFormatError(`Unsupported ZIP: entry '${name}' is encrypted`);
    entries.push({ name, method, crc32: crc, compressedSize, uncompressedSize, localHeaderOffset: localHeaderOffset + concat, flags });
    p = next;
  }
  return entries;
}

/**
 * Extracts and CRC-verifies one entry of a ZIP archive.
 *
 * @param bytes - The complete archive.
 * @param entry - An entry from {@link listZipEntries} for the same `bytes`.
 * @param options - Decompression options.
 * @returns The uncompressed contents (a view into `bytes` for stored entries).
 * @throws {@link ZipFormatError} on a truncated entry, unsupported compression
 *   method, decompression failure, size mismatch or CRC-32 mismatch.
 */
export async function extractZipEntry(bytes: Uint8Array, entry: ZipEntryInfo, options: ReadZipOptions = {}): Promise<Uint8Array> {
  checkDeclaredSizes([entry], options.maxTotalBytes);
  const raw = entryData(bytes, entry);
  let data: Uint8Array;
  if (entry.method === 0) {
    data = raw;
  } else if (entry.method === 8) {
    const inflate = options.inflate ?? defaultInflateRaw;
    try {
      data = await inflate(raw, entry.uncompressedSize);
    } catch (cause) {
      const msg = cause instanceof Error ? cause.message : String(cause);
      throw new ZipFormatError(`Corrupt ZIP: could not inflate entry '${entry.name}': ${msg}`, { cause });
    }
  } else {
    throw new ZipFormatError(
      `Unsupported ZIP compression method ${entry.method} for entry '${entry.name}'; supported methods are 0 (stored) and 8 (deflate)`,
    );
  }
  if (data.length !== entry.uncompressedSize) {
    throw new ZipFormatError(
      `Corrupt ZIP: entry '${entry.name}' has ${data.length} bytes after extraction but the directory declares ${entry.uncompressedSize}`,
    );
  }
  const actual = crc32(data);
  if (actual !== entry.crc32) {
    const hex = (v: number): string => `0x${v.toString(16).padStart(8, '0')}`;
    throw new ZipFormatError(
      `CRC-32 mismatch for ZIP entry '${entry.name}': expected ${hex(entry.crc32)}, computed ${hex(actual)} (the archive is corrupt)`,
    );
  }
  return data;
}

/**
 * Reads every file entry of a ZIP archive (directory entries, whose names end
 * in `/`, are skipped), verifying CRC-32s.
 *
 * @param bytes - The complete archive.
 * @param options - Decompression options.
 * @returns The entries in central-directory order.
 * @throws {@link ZipFormatError} if the archive is malformed or corrupt.
 */
export async function readZip(bytes: Uint8Array, options: ReadZipOptions = {}): Promise<ZipEntry[]> {
  const out: ZipEntry[] = [];
  const entries = listZipEntries(bytes);
  checkDeclaredSizes(entries, options.maxTotalBytes);
  for (const info of entries) {
    if (info.name.endsWith('/')) continue;
    out.push({ name: info.name, data: await extractZipEntry(bytes, info, options) });
  }
  return out;
}

function dosDateTime(d: Date): { date: number; time: number } {
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return {
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
  };
}

/**
 * Writes a ZIP archive of stored (uncompressed) entries.
 *
 * CRC-32s are computed for every entry. ZIP64 extra fields and end records are
 * written when a size or offset reaches 0xFFFFFFFF or there are 0xFFFF or more
 * entries (or always, with `forceZip64`). Names are stored as UTF-8, with the
 * UTF-8 flag set when they are not pure ASCII.
 *
 * @param entries - Files to store, in order. Names must be non-empty and unique.
 * @param options - Writer options.
 * @returns The archive bytes.
 * @throws {@link ZipFormatError} on an empty, over-long or duplicate name.
 */
export function writeZip(entries: readonly ZipEntry[], options: WriteZipOptions = {}): Uint8Array {
  const force = options.forceZip64 ?? false;
  const { date, time } = dosDateTime(options.date ?? new Date(1980, 0, 1));
  const enc = new TextEncoder();
  const seen = new Set<string>();
  const prepared = entries.map(({ name, data }) => {
    if (name.length === 0) throw new ZipFormatError('Cannot write ZIP: entry names must be non-empty');
    if (seen.has(name)) throw new ZipFormatError(`Cannot write ZIP: duplicate entry name '${name}'`);
    seen.add(name);
    const nameBytes = enc.encode(name);
    if (nameBytes.length > U16_MAX) throw new ZipFormatError(`Cannot write ZIP: entry name '${name.slice(0, 40)}...' is too long`);
    const ascii = nameBytes.length === name.length;
    return { nameBytes, data, crc: crc32(data), flags: ascii ? 0 : FLAG_UTF8 };
  });

  // Layout pass: local headers + data.
  const layout: Array<{ offset: number; localZip64: boolean; cdZip64Fields: number[] }> = [];
  let offset = 0;
  for (const e of prepared) {
    const size = e.data.length;
    const localZip64 = force || size >= U32_MAX;
    const cdZip64Fields: number[] = [];
    if (force || size >= U32_MAX) cdZip64Fields.push(size, size);
    if (force || offset >= U32_MAX) cdZip64Fields.push(offset);
    layout.push({ offset, localZip64, cdZip64Fields });
    offset += LOCAL_SIZE + e.nameBytes.length + (localZip64 ? 20 : 0) + size;
  }
  const cdOffset = offset;
  let cdSize = 0;
  for (let i = 0; i < prepared.length; i++) {
    const fields = (layout[i] as (typeof layout)[number]).cdZip64Fields;
    cdSize += CENTRAL_SIZE + (prepared[i] as (typeof prepared)[number]).nameBytes.length + (fields.length ? 4 + 8 * fields.length : 0);
  }
  const needEocd64 = force || prepared.length >= U16_MAX || cdOffset >= U32_MAX || cdSize >= U32_MAX;
  const total = cdOffset + cdSize + (needEocd64 ? EOCD64_SIZE + EOCD64_LOCATOR_SIZE : 0) + EOCD_SIZE;

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const versionNeeded = (zip64: boolean): number => (zip64 ? 45 : 20);

  let p = 0;
  prepared.forEach((e, i) => {
    const { localZip64 } = layout[i] as (typeof layout)[number];
    const size = e.data.length;
    view.setUint32(p, SIG_LOCAL, true);
    view.setUint16(p + 4, versionNeeded(localZip64), true);
    view.setUint16(p + 6, e.flags, true);
    view.setUint16(p + 8, 0, true); // stored
    view.setUint16(p + 10, time, true);
    view.setUint16(p + 12, date, true);
    view.setUint32(p + 14, e.crc, true);
    view.setUint32(p + 18, localZip64 ? U32_MAX : size, true);
    view.setUint32(p + 22, localZip64 ? U32_MAX : size, true);
    view.setUint16(p + 26, e.nameBytes.length, true);
    view.setUint16(p + 28, localZip64 ? 20 : 0, true);
    out.set(e.nameBytes, p + LOCAL_SIZE);
    p += LOCAL_SIZE + e.nameBytes.length;
    if (localZip64) {
      // The local ZIP64 extra must hold both sizes.
      view.setUint16(p, ZIP64_EXTRA_ID, true);
      view.setUint16(p + 2, 16, true);
      view.setBigUint64(p + 4, BigInt(size), true);
      view.setBigUint64(p + 12, BigInt(size), true);
      p += 20;
    }
    out.set(e.data, p);
    p += size;
  });

  prepared.forEach((e, i) => {
    const { offset: lho, cdZip64Fields } = layout[i] as (typeof layout)[number];
    const size = e.data.length;
    const zip64 = cdZip64Fields.length > 0;
    const sizeIn64 = force || size >= U32_MAX;
    const offIn64 = force || lho >= U32_MAX;
    view.setUint32(p, SIG_CENTRAL, true);
    view.setUint16(p + 4, (3 << 8) | versionNeeded(zip64), true); // made by: Unix
    view.setUint16(p + 6, versionNeeded(zip64), true);
    view.setUint16(p + 8, e.flags, true);
    view.setUint16(p + 10, 0, true);
    view.setUint16(p + 12, time, true);
    view.setUint16(p + 14, date, true);
    view.setUint32(p + 16, e.crc, true);
    view.setUint32(p + 20, sizeIn64 ? U32_MAX : size, true);
    view.setUint32(p + 24, sizeIn64 ? U32_MAX : size, true);
    view.setUint16(p + 28, e.nameBytes.length, true);
    view.setUint16(p + 30, zip64 ? 4 + 8 * cdZip64Fields.length : 0, true);
    view.setUint16(p + 32, 0, true); // comment length
    view.setUint16(p + 34, 0, true); // disk number start
    view.setUint16(p + 36, 0, true); // internal attributes
    view.setUint32(p + 38, (0o100644 << 16) >>> 0, true); // external attributes: regular file, rw-r--r--
    view.setUint32(p + 42, offIn64 ? U32_MAX : lho, true);
    out.set(e.nameBytes, p + CENTRAL_SIZE);
    p += CENTRAL_SIZE + e.nameBytes.length;
    if (zip64) {
      view.setUint16(p, ZIP64_EXTRA_ID, true);
      view.setUint16(p + 2, 8 * cdZip64Fields.length, true);
      cdZip64Fields.forEach((v, k) => view.setBigUint64(p + 4 + 8 * k, BigInt(v), true));
      p += 4 + 8 * cdZip64Fields.length;
    }
  });

  const count = prepared.length;
  if (needEocd64) {
    const rec = p;
    view.setUint32(p, SIG_EOCD64, true);
    view.setBigUint64(p + 4, BigInt(EOCD64_SIZE - 12), true);
    view.setUint16(p + 12, (3 << 8) | 45, true);
    view.setUint16(p + 14, 45, true);
    view.setUint32(p + 16, 0, true);
    view.setUint32(p + 20, 0, true);
    view.setBigUint64(p + 24, BigInt(count), true);
    view.setBigUint64(p + 32, BigInt(count), true);
    view.setBigUint64(p + 40, BigInt(cdSize), true);
    view.setBigUint64(p + 48, BigInt(cdOffset), true);
    p += EOCD64_SIZE;
    view.setUint32(p, SIG_EOCD64_LOCATOR, true);
    view.setUint32(p + 4, 0, true);
    view.setBigUint64(p + 8, BigInt(rec), true);
    view.setUint32(p + 16, 1, true); // total number of disks
    p += EOCD64_LOCATOR_SIZE;
  }
  view.setUint32(p, SIG_EOCD, true);
  view.setUint16(p + 4, 0, true);
  view.setUint16(p + 6, 0, true);
  // As Python's zipfile does: real values where they fit, the 0xFFFF.. sentinel where they don't.
  view.setUint16(p + 8, Math.min(count, U16_MAX), true);
  view.setUint16(p + 10, Math.min(count, U16_MAX), true);
  view.setUint32(p + 12, Math.min(cdSize, U32_MAX), true);
  view.setUint32(p + 16, Math.min(cdOffset, U32_MAX), true);
  view.setUint16(p + 20, 0, true);
  return out;
}
