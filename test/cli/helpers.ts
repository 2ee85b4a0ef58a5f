// Run the CLI in-process with captured streams.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { StringStream } from '../../src/cli/io.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** `matsense ...argv` in `cwd`, stdout/stderr captured (not a TTY unless `tty`). */
export async function cli(argv: string[], opts: { cwd?: string; tty?: boolean } = {}): Promise<CliRun> {
  const stdout = new StringStream(opts.tty ?? false), stderr = new StringStream(false);
  const code = await main(argv, { stdout, stderr, cwd: opts.cwd ?? process.cwd() });
  return { code, out: stdout.text, err: stderr.text };
}

export function tempDir(prefix = 'matsense-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
