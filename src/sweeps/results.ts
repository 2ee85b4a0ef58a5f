/**
 * A sweep's results file, DIR/results.jsonl: one JSON line per finished trial, keyed by the trial's content hash.
 * Lines are only ever appended, each with one write and then fdatasync, by one process at a time (DIR/.lock). A write
 * that fails is cut back off; a line torn by a crash or a power loss can only be the last one, and is dropped when the
 * file is next opened. So the file holds whole lines only, and rerunning a sweep skips every trial it holds.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { mkdir, open, readFile, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { MatsenseError, OutputError, StateError } from '../errors.js';
import type { TrialResult } from './trial.js';
import type { Trial } from './spec.js';

/** One line of results.jsonl. */
export interface ResultLine extends Trial {
  key: string;
  /** Package version that ran it (part of the key). */
  version: string;
  /** Position in the spec's expansion when it ran. */
  index: number;
  result?: TrialResult;
  /** The ValidationError that the trial's parameters raised, instead of a result. */
  error?: string;
  /** Where it ran: 'local' or the queue worker's host and pid. */
  ranOn: string;
  finishedAt: string;
}

export const RESULTS_FILE = 'results.jsonl';

/** A results file that holds something other than whole result lines before its last line: edited or damaged. */
export class ResultsFileError extends MatsenseError {}
const LOCK_FILE = '.lock';

function isResultLine(v: unknown): v is ResultLine {
  const o = v as ResultLine;
  return typeof o === 'object' && o !== null && typeof o.key === 'string' && /^t[0-9a-f]{32}$/.test(o.key) &&
    typeof o.problem === 'object' && typeof o.solver === 'object' && (typeof o.result === 'object' || typeof o.error === 'string');
}

/** Parse a results file's text: its lines, and how many bytes of a torn or damaged last line follow them. */
export function parseResults(text: string, where: string): { lines: ResultLine[]; goodBytes: number; dropped: number } {
  const lines: ResultLine[] = [];
  let pos = 0, lineNo = 0;
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
  let goodBytes = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl;
    const raw = text.slice(pos, end);
    lineNo++;
    let parsed: unknown;
    let ok = nl >= 0;
    if (ok) {
      try { parsed = JSON.parse(raw); } catch { ok = false; }
      ok &&= isResultLine(parsed);
    }
    if (!ok) {
      // only the last line can be torn (appends); anything after it means the file was edited or damaged
      const rest = text.slice(nl < 0 ? text.length : nl + 1);
      if (rest.replace(/\0/g, '').trim() !== '') {
        throw new ResultsFileError(`${where}: line ${lineNo} is not a result line (${raw.slice(0, 60)}…): the file was edited or damaged; move it away to run the sweep afresh`);
      }
      return { lines, goodBytes, dropped: bytes(text) - goodBytes };
    }
    lines.push(parsed as ResultLine);
    goodBytes += bytes(raw) + 1;
    pos = end + 1;
  }
  return { lines, goodBytes, dropped: 0 };
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** The open results file of a sweep folder. */
export class ResultsFile {
  /** Finished trials by key. */
  readonly done = new Map<string, ResultLine>();
  /** Bytes of a torn last line dropped on opening (0 when the file was whole). */
  dropped = 0;
  private size = 0;
  private constructor(readonly dir: string, readonly path: string, private fh: FileHandle | undefined) {}

  /** Open (or create) DIR/results.jsonl for appending: take DIR/.lock, read the finished trials, drop a torn last line. */
  static async open(dir: string): Promise<ResultsFile> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw new OutputError(`${dir}: cannot create the sweep folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, dir);
    }
    await takeLock(dir);
    const path = join(dir, RESULTS_FILE);
    try {
      let text = '';
      try { text = await readFile(path, 'utf8'); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; }
      const { lines, goodBytes, dropped } = parseResults(text, path);
      const fh = await open(path, 'a+');
      if (dropped > 0) { await fh.truncate(goodBytes); await fh.datasync(); }
      const f = new ResultsFile(dir, path, fh);
      f.size = goodBytes;
      f.dropped = dropped;
      for (const l of lines) f.done.set(l.key, l);
      return f;
    } catch (e) {
      await releaseLock(dir);
      if (e instanceof ResultsFileError) throw e;
      throw new OutputError(`${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, path);
    }
  }

  /** Append one finished trial (ignored when its key is already recorded): one write, then fdatasync. */
  async append(line: ResultLine): Promise<boolean> {
    if (!this.fh) throw new StateError(`${this.path} is closed`);
    if (this.done.has(line.key)) return false;
    const buf = Buffer.from(`${JSON.stringify(line)}\n`, 'utf8');
    try {
      const { bytesWritten } = await this.fh.write(buf, 0, buf.length, null);
      if (bytesWritten !== buf.length) throw Object.assign(new Error(`short write (${bytesWritten} of ${buf.length} bytes)`), { code: 'ENOSPC' });
      await this.fh.datasync();
    } catch (e) {
      // cut the partial line back off, so that the file still holds whole lines only
      await this.fh.truncate(this.size).catch(() => {});
      throw new OutputError(`${this.path}: ${(e as NodeJS.ErrnoException).code ?? ''} ${(e as Error).message}`.trim(), this.path);
    }
    this.size += buf.length;
    this.done.set(line.key, line);
    return true;
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
    await releaseLock(this.dir);
  }
}

async function takeLock(dir: string): Promise<void> {
  const path = join(dir, LOCK_FILE);
  const me = JSON.stringify({ pid: process.pid, host: hostname() });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, me, { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new OutputError(`${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, path);
    }
    let holder: { pid?: number; host?: string } = {};
    try { holder = JSON.parse(await readFile(path, 'utf8')) as typeof holder; } catch { /* unreadable: treat as stale */ }
    if (holder.host === hostname() && typeof holder.pid === 'number' && holder.pid !== process.pid && alive(holder.pid)) {
      throw new StateError(`${dir} is being written by another matsense sweep (pid ${holder.pid}); wait for it to finish, or stop it`);
    }
    if (holder.host !== undefined && holder.host !== hostname()) {
      throw new StateError(`${dir} is locked by a matsense sweep on ${holder.host} (pid ${holder.pid}); if it is gone, remove ${path}`);
    }
    await rm(path, { force: true }); // stale: its process is gone
  }
  throw new StateError(`${dir}: could not take ${path}`);
}

async function releaseLock(dir: string): Promise<void> {
  await rm(join(dir, LOCK_FILE), { force: true }).catch(() => {});
}
