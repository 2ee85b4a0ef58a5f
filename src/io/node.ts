/**
 * Node.js conveniences for loading and saving `.npy` / `.npz` files.
 *
 * `node:fs/promises` is imported lazily inside each function, so importing
 * this module (e.g. through the `io` barrel) is harmless in browsers; only
 * calling these functions requires Node.
 *
 * @packageDocumentation
 */

import { OutputError } from '../errors.js';
import { encodeNpy, parseNpy, type NpyArray } from './npy.js';
import { readNpz, writeNpz, type ReadNpzOptions, type WriteNpzOptions } from './npz.js';

type FsPromises = typeof import('node:fs/promises');

/** A Node built-in, imported by a variable specifier: keeps browser bundlers from trying to resolve it. */
function nodeImport<T>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ specifier) as Promise<T>;
}

function fs(): Promise<FsPromises> { return nodeImport<FsPromises>('node:fs/promises'); }
function nodePath(): Promise<typeof import('node:path')> { return nodeImport('node:path'); }

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
 * Writes an array to a `.npy` file (Node only), replacing it if present — atomically ({@link writeFileAtomic}).
 *
 * @param path - File to write.
 * @param arr - The array (see {@link encodeNpy}).
 * @throws {@link OutputError} naming the path; an existing file is then left as it was.
 */
export async function saveNpy(path: PathLike, arr: NpyArray): Promise<void> {
  await writeFileAtomic(path, encodeNpy(arr));
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
 * Writes arrays to an uncompressed `.npz` archive (Node only), replacing it if present — atomically
 * ({@link writeFileAtomic}). Unlike `np.savez`, no `.npz` suffix is appended to `path`.
 *
 * @param path - File to write.
 * @param arrays - Arrays keyed by name (see {@link writeNpz}).
 * @param options - ZIP writer options.
 */
export async function saveNpz(path: PathLike, arrays: Record<string, NpyArray>, options?: WriteNpzOptions): Promise<void> {
  await writeFileAtomic(path, writeNpz(arrays, options));
}

function pathString(path: PathLike): string {
  return typeof path === 'string' ? path : decodeURIComponent(path.pathname);
}

function reason(e: unknown): { code?: string; text: string } {
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const text: Record<string, string> = {
    ENOSPC: 'no space left on the device', EACCES: 'permission denied', EPERM: 'permission denied', EROFS: 'read-only file system',
    EISDIR: 'it is a directory', ENOTDIR: 'a component of the path is not a directory', ENOENT: 'the directory does not exist', EDQUOT: 'disk quota exceeded',
  };
  return { code, text: (code && text[code]) ?? err?.message ?? String(e) };
}

/**
 * Write a file so that it is either entirely there or not changed at all: the data goes to a temporary file in the
 * same directory, is flushed to disk, and is renamed over `path` (an atomic replacement on POSIX file systems). On any
 * failure — a full disk, a lost permission — the temporary file is removed and an existing file at `path` survives.
 *
 * @throws {@link OutputError} naming `path` and the reason.
 */
export async function writeFileAtomic(path: PathLike, data: string | Uint8Array): Promise<void> {
  const f = await fs();
  const { dirname, basename, join } = await nodePath();
  const target = pathString(path);
  await checkOutputFile(target);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  let fh: import('node:fs/promises').FileHandle | undefined;
  try {
    fh = await f.open(tmp, 'wx');
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await f.rename(tmp, target);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await f.unlink(tmp).catch(() => undefined);
    const r = reason(e);
    throw new OutputError(`cannot write ${target}: ${r.text}${r.code ? ` (${r.code})` : ''}; any previous file there is unchanged`, target, r.code);
  }
}

/**
 * Check, before any work, that a file can be written at `path`: its directory exists, is a directory and is writable,
 * and `path` itself is not a directory. @throws {@link OutputError} naming the path and what is wrong.
 */
export async function checkOutputFile(path: PathLike): Promise<void> {
  const f = await fs();
  const { dirname } = await nodePath();
  const target = pathString(path);
  const fail = (why: string, code?: string): never => { throw new OutputError(`cannot write ${target}: ${why}`, target, code); };
  const st = await f.stat(target).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : e));
  if (st instanceof Error) {
    const r = reason(st);
    fail(r.code === 'ENOTDIR' ? `${r.text} (a path through a file)` : r.text, r.code);
  } else if (st?.isDirectory()) fail('it is a directory', 'EISDIR');
  await checkWritableDirectory(dirname(target), target);
}

/**
 * Check, before any work, that `dir` can receive files: it is a writable directory, or it does not exist yet and its
 * nearest existing ancestor is a writable directory (it will be created). @throws {@link OutputError}.
 */
export async function checkOutputDirectory(dir: PathLike): Promise<void> {
  const f = await fs();
  const { dirname } = await nodePath();
  let d = pathString(dir);
  for (;;) {
    const st = await f.stat(d).catch((e: NodeJS.ErrnoException) => e);
    if (!(st instanceof Error)) {
      if (!st.isDirectory()) throw new OutputError(`cannot write into ${pathString(dir)}: ${d} is a file, not a directory`, pathString(dir), 'ENOTDIR');
      return checkWritableDirectory(d, pathString(dir));
    }
    const code = (st as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') { const r = reason(st); throw new OutputError(`cannot write into ${pathString(dir)}: ${r.text}`, pathString(dir), r.code); }
    const up = dirname(d);
    if (up === d) throw new OutputError(`cannot write into ${pathString(dir)}: no existing directory above it`, pathString(dir), 'ENOENT');
    d = up;
  }
}

async function checkWritableDirectory(dir: string, forPath: string): Promise<void> {
  const f = await fs();
  const { constants } = await nodeImport<typeof import('node:fs')>('node:fs');
  const st = await f.stat(dir).catch((e: NodeJS.ErrnoException) => e);
  if (st instanceof Error) {
    const r = reason(st);
    throw new OutputError(`cannot write ${forPath}: the directory ${dir} ${r.code === 'ENOENT' ? 'does not exist' : `cannot be used (${r.text})`}`, forPath, r.code);
  }
  if (!st.isDirectory()) throw new OutputError(`cannot write ${forPath}: ${dir} is not a directory`, forPath, 'ENOTDIR');
  await f.access(dir, constants.W_OK).catch(() => { throw new OutputError(`cannot write ${forPath}: the directory ${dir} is not writable`, forPath, 'EACCES'); });
}
