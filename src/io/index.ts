/**
 * NumPy interop: read and write `.npy` and `.npz` files.
 *
 * Everything here works in browsers except the Node file helpers
 * ({@link loadNpy}, {@link saveNpy}, {@link loadNpz}, {@link saveNpz}), which
 * import `node:fs/promises` lazily when called.
 *
 * @packageDocumentation
 */

export { NPY_MAGIC, NpyFormatError, encodeNpy, parseNpy, type NpyArray, type NpyDtype } from './npy.js';
export { readNpz, writeNpz, type ReadNpzOptions, type WriteNpzOptions } from './npz.js';
export {
  ZipFormatError,
  crc32,
  defaultInflateRaw,
  extractZipEntry,
  inflateRawWithDecompressionStream,
  listZipEntries,
  readZip,
  writeZip,
  type InflateRaw,
  type ReadZipOptions,
  type WriteZipOptions,
  type ZipEntry,
  type ZipEntryInfo,
} from './zip.js';
export { checkOutputDirectory, checkOutputFile, loadNpy, loadNpz, saveNpy, saveNpz, writeFileAtomic, type PathLike } from './node.js';
