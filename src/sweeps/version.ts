/** The package version (part of every trial's key), read from package.json next to the code (src/ and dist/ alike). */
import { readFile } from 'node:fs/promises';

let cached: Promise<string> | undefined;
export function packageVersion(): Promise<string> {
  cached ??= readFile(new URL('../../package.json', import.meta.url), 'utf8').then((t) => (JSON.parse(t) as { version: string }).version);
  return cached;
}
