/**
 * `matsense sweep run|collect|report|check` and `matsense worker` (docs/sweeps.md): sweeps over problem and solver
 * parameters, on local threads or through BullMQ on Redis, resumable.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ValidationError } from '../../errors.js';
import { runSweepLocal, type SweepProgress, type SweepSummary } from '../../sweeps/local.js';
import { planSweep, parseSweepSpec, type SweepPlan } from '../../sweeps/spec.js';
import { packageVersion } from '../../sweeps/version.js';
import { formatHelp, parseArgs, UsageError, type OptSpec } from '../args.js';
import { fmtMs, gridTable } from '../format.js';
import { EXIT, println, type CliIO, type CliStream } from '../io.js';
import { InputFileError } from '../problem.js';

const RUN_SPECS: OptSpec[] = [
  { name: 'out', type: 'string', metavar: 'DIR', doc: 'the sweep folder: results.jsonl (one line per finished trial), spec.json (default ./matsense-sweep/NAME)' },
  { name: 'threads', type: 'int', min: 1, doc: 'trials at a time on local worker threads (default: the machine\'s cores)' },
  { name: 'queue', type: 'string', metavar: 'URL', doc: 'redis://HOST:PORT: enqueue on BullMQ and collect what `matsense worker` processes return' },
  { name: 'redis-timeout', type: 'number', min: 0, exclusiveMin: true, metavar: 'S', doc: 'with --queue: give up after Redis has not answered for S seconds (default 10)' },
];
const COLLECT_SPECS: OptSpec[] = [
  { name: 'queue', type: 'string', metavar: 'URL', doc: 'redis://HOST:PORT (required)' },
  { name: 'wait', type: 'flag', doc: 'wait until every enqueued trial has finished (default: record what is there, then stop)' },
  { name: 'redis-timeout', type: 'number', min: 0, exclusiveMin: true, metavar: 'S', doc: 'give up after Redis has not answered for S seconds (default 10)' },
];
const REPORT_SPECS: OptSpec[] = [
  { name: 'out', type: 'string', metavar: 'DIR', doc: 'where the tables and plots go (default DIR/report)' },
  { name: 'no-plots', type: 'flag', doc: 'tables only (no SVG: the plotting packages are optional)' },
];
const WORKER_SPECS: OptSpec[] = [
  { name: 'queue', type: 'string', metavar: 'URL', doc: 'redis://HOST:PORT (required)' },
  { name: 'concurrency', type: 'int', min: 1, doc: 'trials at a time, on as many worker threads (default 1)' },
  { name: 'lock-ms', type: 'int', min: 100, metavar: 'MS', doc: 'a trial\'s lock; a worker that dies gives its trial back after about this long (default 30000)' },
];

export function sweepHelp(): string {
  return formatHelp({
    usage: 'matsense sweep run SPEC.json [--out DIR] [--threads N] [--queue redis://HOST:PORT]\n' +
      '       matsense sweep collect DIR --queue redis://HOST:PORT [--wait]\n' +
      '       matsense sweep report DIR [--out DIR2] [--no-plots]\n' +
      '       matsense sweep check SPEC.json',
    description: 'Run every trial of a sweep spec (a JSON file; its schema: schema/sweep.schema.json, docs/sweeps.md) on local ' +
      'worker threads, or through BullMQ on Redis with `matsense worker` processes on any machines. Each finished trial is ' +
      'appended to DIR/results.jsonl under a content hash of its parameters: running the same command again runs only the ' +
      'missing trials (Ctrl-C, a crash or a lost Redis loses at most the running ones). `report` writes tables and plots; ' +
      '`check` validates a spec and counts its trials.',
    specs: [...RUN_SPECS, ...COLLECT_SPECS.filter((s) => s.name === 'wait'), ...REPORT_SPECS.filter((s) => s.name === 'no-plots')],
  });
}

export function workerHelp(): string {
  return formatHelp({
    usage: 'matsense worker --queue redis://HOST:PORT [--concurrency N]',
    description: 'Process sweep trials from the queue (`matsense sweep run SPEC --queue URL` enqueues them) until stopped with ' +
      'Ctrl-C or SIGTERM (running trials finish first). Start one on every machine that should help; a worker runs only ' +
      'trials submitted by the same matsense version.',
    specs: WORKER_SPECS,
  });
}

async function loadPlan(path: string): Promise<SweepPlan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new InputFileError(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    return planSweep(parseSweepSpec(text, path), await packageVersion(), path);
  } catch (e) {
    if (e instanceof ValidationError) throw new InputFileError(e.message);
    throw e;
  }
}

const fmtEta = (ms?: number) => (ms === undefined ? '—' : fmtMs(ms));

/** The progress line of a sweep: redrawn in place on a terminal (and erased at the end), a line every 5 s elsewhere. */
function progressPrinter(out: CliStream): { update(p: SweepProgress & { pending?: number }): void; finish(): void } {
  let lastLine = 0, drawn = false;
  const text = (p: SweepProgress) => {
    const finished = p.skipped + p.done;
    const frac = p.total ? finished / p.total : 1;
    const w = 24, fill = Math.round(frac * w);
    return `  [${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${finished}/${p.total} trials (${p.skipped} already done` +
      `${p.failed ? `, ${p.failed} failed` : ''})  ${fmtMs(p.elapsedMs)}, ETA ${fmtEta(p.etaMs)}`;
  };
  return {
    update(p) {
      if (out.isTTY) { out.write(`\r\x1b[2K${text(p)}`); drawn = true; return; }
      const now = performance.now();
      if (now - lastLine >= 5000 || p.done + p.skipped + p.failed === p.total) { println(out, text(p)); lastLine = now; }
    },
    finish() { if (drawn) out.write('\r\x1b[2K'); drawn = false; }, // erased: the summary that follows says it all
  };
}

function summaryLines(io: CliIO, s: SweepSummary & { pending?: number }, dir: string): number {
  println(io.stdout, `${s.aborted ? 'interrupted' : 'finished'}: ${s.done} trial${s.done === 1 ? '' : 's'} run in ${fmtMs(s.elapsedMs)}, ` +
    `${s.skipped} already done${s.refused ? `, ${s.refused} refused by the library (recorded with their error)` : ''}` +
    `${s.failed ? `, ${s.failed} failed (not recorded: a rerun tries them again)` : ''}${s.pending ? `, ${s.pending} still queued or running` : ''}`);
  if (s.droppedBytes) println(io.stdout, `  dropped a torn last line (${s.droppedBytes} bytes) that an interrupted write had left in results.jsonl`);
  for (const f of s.failures.slice(0, 5)) println(io.stderr, `  trial #${f.index} (${f.key}) failed: ${f.message}`);
  println(io.stdout, `results: ${resolve(dir, 'results.jsonl')}${s.aborted || s.pending ? ' — run the same command again to resume' : ''}`);
  if (s.aborted) return EXIT.interrupted;
  return s.failed ? EXIT.failure : EXIT.ok;
}

const redisTimeoutMs = (v: Record<string, unknown>) => ((v['redis-timeout'] as number | undefined) ?? 10) * 1000;

/**
 * Run a sweep with its progress line, stopping cleanly on SIGINT / SIGTERM. `ttyOnly`: no progress lines off a
 * terminal (an experiment prints its own findings there).
 */
export function withProgress<T>(io: CliIO, run: (signal: AbortSignal, onProgress: (p: SweepProgress) => void) => Promise<T>, o: { ttyOnly?: boolean } = {}): Promise<T> {
  const progress = o.ttyOnly && !io.stdout.isTTY ? undefined : progressPrinter(io.stdout);
  return withSigint((signal) => run(signal, (p) => progress?.update(p)).finally(() => progress?.finish()));
}

function withSigint<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  return run(ac.signal).finally(() => { process.removeListener('SIGINT', onSig); process.removeListener('SIGTERM', onSig); });
}

export async function sweepCommand(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  const cwd = io.cwd ?? process.cwd();
  if (sub === undefined || sub === '--help' || sub === '-h') { io.stdout.write(sweepHelp()); return sub === undefined ? EXIT.usage : EXIT.ok; }
  switch (sub) {
    case 'check': {
      const { positionals, help } = parseArgs(rest, [], 'sweep');
      if (help) { io.stdout.write(sweepHelp()); return 0; }
      if (positionals.length !== 1) throw new UsageError('sweep check: give one spec file', 'sweep');
      const plan = await loadPlan(resolve(cwd, positionals[0]!));
      println(io.stdout, `${positionals[0]}: valid; ${plan.trials.length} trial${plan.trials.length === 1 ? '' : 's'}` +
        `${plan.axes.length ? ` over ${plan.axes.join(', ')}` : ''} (matsense ${plan.version})`);
      return EXIT.ok;
    }
    case 'run': {
      const { values: v, positionals, help } = parseArgs(rest, RUN_SPECS, 'sweep');
      if (help) { io.stdout.write(sweepHelp()); return 0; }
      if (positionals.length !== 1) throw new UsageError('sweep run: give one spec file', 'sweep');
      if (v.queue !== undefined && v.threads !== undefined) throw new UsageError('--threads is for local runs; with --queue, each `matsense worker` sets its own --concurrency', 'sweep');
      if (v.queue === undefined && v['redis-timeout'] !== undefined) throw new UsageError('--redis-timeout applies with --queue only', 'sweep');
      const plan = await loadPlan(resolve(cwd, positionals[0]!));
      const dir = resolve(cwd, (v.out as string | undefined) ?? `matsense-sweep/${plan.spec.name ?? 'sweep'}`);
      println(io.stdout, `sweep ${plan.spec.name ?? positionals[0]}: ${plan.trials.length} trials${plan.axes.length ? ` over ${plan.axes.join(', ')}` : ''} → ${dir}`);
      const summary = await withProgress(io, async (signal, onProgress) => {
        if (v.queue === undefined) return runSweepLocal(plan, dir, { threads: v.threads as number | undefined, signal, onProgress });
        const { runSweepQueue } = await import('../../sweeps/queue.js');
        return runSweepQueue(plan, dir, { url: v.queue as string, redisTimeoutMs: redisTimeoutMs(v), signal, onProgress });
      });
      return summaryLines(io, summary, dir);
    }
    case 'collect': {
      const { values: v, positionals, help } = parseArgs(rest, COLLECT_SPECS, 'sweep');
      if (help) { io.stdout.write(sweepHelp()); return 0; }
      if (positionals.length !== 1) throw new UsageError('sweep collect: give the sweep folder', 'sweep');
      if (v.queue === undefined) throw new UsageError('sweep collect: --queue redis://HOST:PORT is required', 'sweep');
      const dir = resolve(cwd, positionals[0]!);
      const plan = await loadPlan(resolve(dir, 'spec.json'));
      const { runSweepQueue } = await import('../../sweeps/queue.js');
      const summary = await withProgress(io, (signal, onProgress) =>
        runSweepQueue(plan, dir, { url: v.queue as string, enqueue: false, wait: Boolean(v.wait), redisTimeoutMs: redisTimeoutMs(v), signal, onProgress }));
      return summaryLines(io, summary, dir);
    }
    case 'report': {
      const { values: v, positionals, help } = parseArgs(rest, REPORT_SPECS, 'sweep');
      if (help) { io.stdout.write(sweepHelp()); return 0; }
      if (positionals.length !== 1) throw new UsageError('sweep report: give the sweep folder', 'sweep');
      const dir = resolve(cwd, positionals[0]!);
      const { sweepReport } = await import('../../sweeps/report.js'); // plotting code only for reports
      const rep = await sweepReport(dir, { outDir: v.out === undefined ? undefined : resolve(cwd, v.out as string), plots: !v['no-plots'] });
      io.stdout.write(gridTable(rep.header, rep.rows));
      println(io.stdout, `wrote ${rep.files.length} files:`);
      for (const f of rep.files) println(io.stdout, `  ${f}`);
      return EXIT.ok;
    }
    default:
      throw new UsageError(`unknown sweep command '${sub}'; sweep commands: run, collect, report, check`, 'sweep');
  }
}

export async function workerCommand(argv: string[], io: CliIO): Promise<number> {
  const { values: v, positionals, help } = parseArgs(argv, WORKER_SPECS, 'worker');
  if (help) { io.stdout.write(workerHelp()); return 0; }
  if (positionals.length) throw new UsageError(`worker takes no arguments; got ${positionals.join(' ')}`, 'worker');
  if (v.queue === undefined) throw new UsageError('worker: --queue redis://HOST:PORT is required', 'worker');
  const { runQueueWorker } = await import('../../sweeps/queue.js');
  const version = await packageVersion();
  let stopped = false;
  const n = await withSigint((signal) => {
    signal.addEventListener('abort', () => { stopped = true; println(io.stderr, 'worker: stopping after the running trials…'); }, { once: true });
    return runQueueWorker(version, { url: v.queue as string, concurrency: v.concurrency as number | undefined, lockMs: v['lock-ms'] as number | undefined, signal, log: (l) => println(io.stdout, l) });
  });
  println(io.stdout, `worker: ran ${n} trial${n === 1 ? '' : 's'}`);
  return stopped ? EXIT.interrupted : EXIT.ok;
}
