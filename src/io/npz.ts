/**
 * Reading and writing NumPy `.npz` archives (as made by `np.savez` and
 * `np.savez_compressed`) in plain TypeScript, for Node and browsers alike.
 *
 * The API is asynchronous because decompressing `np.savez_compressed` members
 * may be asynchronous in browsers (`DecompressionStream`).
 *
 * @packageDocumentation
 */

import { encodeNpy, parseNpy, parseNpyHeader, type NpyDtype, type NpyArray } from './npy.js';
import { checkDeclaredSizes, extractZipEntry, listZipEntries, peekZipEntry, writeZip, type ReadZipOptions, type WriteZipOptions, ZipFormatError } from './zip.js';

/** What a member's `.npy` header declares, read before the member is inflated. */
export interface NpzMemberInfo {
  key: string;
  dtype: NpyDtype;
  shape: number[];
  /** Bytes of its data. */
  nbytes: number;
}

/** Options for {@link readNpz}: see {@link ReadZipOptions} (`maxTotalBytes` caps what the archive may declare). */
export interface ReadNpzOptions extends ReadZipOptions {
  /**
   * Called with every member's declared dtype and shape before anything is inflated (where the headers can be read
   * first: stored members, and deflated ones on Node): throw to refuse the archive — e.g. a shape that cannot be the
   * problem, or more data than memory can hold — in milliseconds instead of after inflating it.
   */
  check?: (members: NpzMemberInfo[]) => void;
}

/** A member's header from its first bytes (a longer header is read again in full). */
async function memberHeader(bytes: Uint8Array, entry: Parameters<typeof peekZipEntry>[1]): Promise<NpzMemberInfo | undefined> {
  let head = await peekZipEntry(bytes, entry, 4096);
  if (head === undefined) return undefined;
  if (head.length >= 12 && head.length < entry.uncompressedSize) {
    const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const need = head[6] === 1 ? 10 + v.getUint16(8, true) : 12 + v.getUint32(8, true);
    if (need > head.length) head = await peekZipEntry(bytes, entry, Math.min(need, entry.uncompressedSize));
  }
  const key = entry.name.endsWith('.npy') ? entry.name.slice(0, -4) : entry.name;
  const h = parseNpyHeader(head!, `.npz member '${entry.name}'`);
  if (h.dataOffset + h.nbytes !== entry.uncompressedSize) {
    throw new ZipFormatError(`Corrupt .npz: member '${entry.name}' declares ${entry.uncompressedSize} bytes but its .npy header describes ${h.dataOffset + h.nbytes} (shape (${h.shape.join(', ')}) of ${h.dtype})`);
  }
  return { key, dtype: h.dtype, shape: h.shape, nbytes: h.nbytes };
}

/** Options for {@link writeNpz}; see {@link WriteZipOptions}. */
export type WriteNpzOptions = WriteZipOptions;

function defineKey(target: Record<string, NpyArray>, key: string, value: NpyArray): void {
  // defineProperty, so that a member named `__proto__` is an ordinary key.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Reads a NumPy `.npz` archive.
 *
 * Every member must be a `.npy` file with a supported dtype (see
 * {@link parseNpy}); members may be stored or deflated, and ZIP64 archives are
 * supported. CRC-32s are verified.
 *
 * @param bytes - The complete contents of the `.npz` file.
 * @param options - Decompression options (e.g. a custom `inflate`).
 * @returns The arrays, keyed by member name without the `.npy` suffix (the
 *   keyword names given to `np.savez`), in archive order.
 * @throws {@link NpyFormatError} (or its subclass {@link ZipFormatError}) if the
 *   archive or any member is malformed, corrupt or unsupported; the message
 *   names the offending member.
 *
 * @example
 * ```ts
 * const { A, y } = await readNpz(bytes);
 * ```
 */
export async function readNpz(bytes: Uint8Array, options: ReadNpzOptions = {}): Promise<Record<string, NpyArray>> {
  const out: Record<string, NpyArray> = {};
  const entries = listZipEntries(bytes).filter((e) => !e.name.endsWith('/'));
  // sizes and headers first: nothing is inflated for an archive that cannot be what it claims or what is wanted
  checkDeclaredSizes(entries, options.maxTotalBytes);
  const infos: NpzMemberInfo[] = [];
  for (const e of entries) {
    const info = await memberHeader(bytes, e);
    if (info) infos.push(info);
  }
  if (infos.length === entries.length) options.check?.(infos);
  for (const entry of entries) {
    const name = entry.name, data = await extractZipEntry(bytes, entry, options);
    const key = name.endsWith('.npy') ? name.slice(0, -4) : name;
    if (Object.prototype.hasOwnProperty.call(out, key)) {
      throw new ZipFormatError(`Malformed .npz: more than one member is named '${key}'`);
    }
    defineKey(out, key, parseNpy(data, `.npz member '${name}'`));
  }
  if (infos.length !== entries.length) {
    options.check?.(Object.entries(out).map(([key, a]) => ({ key, dtype: a.dtype, shape: a.shape, nbytes: a.data.length * a.data.BYTES_PER_ELEMENT })));
  }
  return out;
}

/**
 * Encodes arrays as a NumPy `.npz` archive (uncompressed, like `np.savez`),
 * loadable with `np.load(path)`; each key becomes a member `<key>.npy`.
 *
 * @param arrays - Arrays keyed by name. Names must be non-empty.
 * @param options - ZIP writer options (e.g. `forceZip64`, `date`).
 * @returns The archive bytes.
 * @throws {@link NpyFormatError} if an array cannot be encoded or a name is
 *   invalid.
 *
 * @example
 * ```ts
 * const bytes = writeNpz({ A, y, Mstar });
 * ```
 */
export function writeNpz(arrays: Record<string, NpyArray>, options: WriteNpzOptions = {}): Uint8Array {
  const entries = Object.entries(arrays).map(([key, arr]) => {
    if (key.length === 0) throw new ZipFormatError('Cannot write .npz: array names must be non-empty');
    return { name: `${key}.npy`, data: encodeNpy(arr) };
  });
  return writeZip(entries, options);
}
