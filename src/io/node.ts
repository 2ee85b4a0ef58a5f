/**
 * Node.js conveniences for loading and saving `.npy` / `.npz` files.
 *
 * `node:fs/promises` is imported lazily inside each function, so importing
 * this module (e.g. through the `io` barrel) is harmless in browsers; only
 * calling these functions requires Node.
 *
 * @packageDocumentation
 */

import { encodeNpy, parseNpy, type NpyArray } from './npy.js';
import { readNpz, writeNpz, type ReadNpzOptions, type WriteNpzOptions } from './npz.js';

type FsPromises = typeof import('node:fs/promises');

function fs(): Promise<FsPromises> {
  // Variable specifier: keeps browser bundlers from trying to resolve it.
  const specifier = 'node:fs/promises';
  return import(/* @vite-ignore */ specifier) as Promise<FsPromises>;
}

/** A file-system path as accepted by `node:fs/promises`. */
export type PathLike = string | URL;

function bytesOf(buf: Uint8Array): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * Reads a `.npy` file from disk (Node only).
 *
 * @param path - File to read.
 * @returns The parsed array (see {@link parseNpy}).
 * @throws {@link NpyFormatError} if the file is malformed or unsupported; file
 *   system errors propagate unchanged.
 */
export async function loadNpy(path: PathLike): Promise<NpyArray> {
  const buf = await (await fs()).readFile(path);
  return parseNpy(bytesOf(buf), String(path));
}

/**
 * Writes an array to a `.npy` file (Node only), overwriting it if present.
 *
 * @param path - File to write.
 * @param arr - The array (see {@link encodeNpy}).
 */
export async function saveNpy(path: PathLike, arr: NpyArray): Promise<void> {
  await (await fs()).writeFile(path, encodeNpy(arr));
}

/**
 * Reads a `.npz` archive from disk (Node only).
 *
 * @param path - File to read.
 * @param options - Decompression options.
 * @returns The arrays keyed by name (see {@link readNpz}).
 * @throws {@link NpyFormatError} if the archive or a member is malformed or
 *   unsupported; file system errors propagate unchanged.
 */
export async function loadNpz(path: PathLike, options?: ReadNpzOptions): Promise<Record<string, NpyArray>> {
  const buf = await (await fs()).readFile(path);
  return readNpz(bytesOf(buf), options);
}

/**
 * Writes arrays to an uncompressed `.npz` archive (Node only), overwriting it
 * if present. Unlike `np.savez`, no `.npz` suffix is appended to `path`.
 *
 * @param path - File to write.
 * @param arrays - Arrays keyed by name (see {@link writeNpz}).
 * @param options - ZIP writer options.
 */
export async function saveNpz(path: PathLike, arrays: Record<string, NpyArray>, options?: WriteNpzOptions): Promise<void> {
  await (await fs()).writeFile(path, writeNpz(arrays, options));
}
