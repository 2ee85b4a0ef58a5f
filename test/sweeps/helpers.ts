// Shared by the sweep tests: the real binary as a child process (from dist/, rebuilt when stale), and waiting on a
// sweep folder's results file.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseResults, type ResultLine } from '../../src/sweeps/results.js';
import type { TrialResult } from '../../src/sweeps/trial.js';

export const ROOT = join(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'matsense.js');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** dist/ as of src/ (the child processes run the built CLI). */
export function ensureDist(): void {
  const built = join(ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(built) || statSync(built).mtimeMs < newest(join(ROOT, 'src'))) execFileSync('npm', ['run', 'build:ts'], { cwd: ROOT, stdio: 'ignore' });
}

export interface Proc { child: ChildProcess; out: () => string; exited: Promise<number | null> }

/** Start `matsense ARGS` as a child process, collecting its output. */
export function startCli(args: string[], cwd = ROOT): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d) => { text += String(d); });
  child.stderr!.on('data', (d) => { text += String(d); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, sig) => resolve(code ?? (sig ? -1 : null))));
  return { child, out: () => text, exited };
}

/** The whole lines of DIR/results.jsonl (a torn last line is not counted). */
export function results(dir: string): ResultLine[] {
  const path = join(dir, 'results.jsonl');
  if (!existsSync(path)) return [];
  return parseResults(readFileSync(path, 'utf8'), path).lines;
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function writeSpec(path: string, spec: unknown): string {
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

/** A trial's result without its wall times (the only numbers that depend on where and when it ran). */
export function timeless(r: TrialResult | undefined): unknown {
  if (!r) return r;
  return { ...r, timeMs: 0, ...(r.record ? { record: { ...r.record, timeMs: [] } } : {}) };
}

/** A result line without what depends on where and when it ran. */
export function comparable(l: ResultLine): unknown {
  const { ranOn: _r, finishedAt: _f, ...rest } = l;
  return rest.result ? { ...rest, result: timeless(rest.result) } : rest;
}
