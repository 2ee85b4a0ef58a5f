/**
 * Reading and writing NumPy `.npz` archives (as made by `np.savez` and
 * `np.savez_compressed`) in plain TypeScript, for Node and browsers alike.
 *
 * The API is asynchronous because decompressing `np.savez_compressed` members
 * may be asynchronous in browsers (`DecompressionStream`).
 *
 * @packageDocumentation
 */

import { encodeNpy, parseNpy, type NpyArray } from './npy.js';
import { readZip, writeZip, type ReadZipOptions, type WriteZipOptions, ZipFormatError } from './zip.js';

/** Options for {@link readNpz}; see {@link ReadZipOptions}. */
export type ReadNpzOptions = ReadZipOptions;

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
  for (const { name, data } of await readZip(bytes, options)) {
    const key = name.endsWith('.npy') ? name.slice(0, -4) : name;
    if (Object.prototype.hasOwnProperty.call(out, key)) {
      throw new ZipFormatError(`Malformed .npz: more than one member is named '${key}'`);
    }
    defineKey(out, key, parseNpy(data, `.npz member '${name}'`));
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
