/**
 * Running a sweep on this machine: every trial not yet in DIR/results.jsonl, on worker threads, each result appended
 * as it finishes. Interrupting (the signal) stops dispatching, abandons the running trials and keeps every finished
 * one; running the same sweep again runs only what is missing.
 */
import { join } from 'node:path';
import { WorkerError } from '../errors.js';
import { writeFileAtomic } from '../io/node.js';
import { TrialPool } from './pool.js';
import { ResultsFile, type ResultLine } from './results.js';
import type { KeyedTrial, SweepPlan } from './spec.js';
import type { TrialOutcome } from './trial.js';

/** Progress of a sweep, after each finished trial. */
export interface SweepProgress {
  total: number;
  /** Finished before this run started (skipped). */
  skipped: number;
  /** Finished in this run. */
  done: number;
  failed: number;
  elapsedMs: number;
  /** Estimated time to finish the rest at this run's pace (undefined until a trial has finished). */
  etaMs?: number;
}

/** How a sweep run ended. */
export interface SweepSummary extends SweepProgress {
  /** Trials that failed (not recorded: a rerun tries them again), with the reason. */
  failures: { key: string; index: number; message: string }[];
  /** Trials whose parameters the library refused (recorded, with their error). */
  refused: number;
  aborted: boolean;
  /** Bytes of a torn last line dropped from the results file on opening. */
  droppedBytes: number;
}

export interface LocalSweepOptions {
  /** Worker threads (default: the machine's available parallelism). */
  threads?: number;
  signal?: AbortSignal;
  onProgress?(p: SweepProgress): void;
}

/** A result line for a finished trial. */
export function resultLine(plan: SweepPlan, t: KeyedTrial, outcome: TrialOutcome, ranOn: string): ResultLine {
  const line: ResultLine = { key: t.key, version: plan.version, index: t.index, problem: t.problem, solver: t.solver, ranOn, finishedAt: new Date().toISOString() };
  if (outcome.error !== undefined) line.error = outcome.error;
  else line.result = outcome.result;
  return line;
}

/** Write DIR/spec.json (the spec last run into DIR; the results carry each trial's full parameters anyway). */
export async function saveSpec(plan: SweepPlan, dir: string): Promise<void> {
  await writeFileAtomic(join(dir, 'spec.json'), `${JSON.stringify(plan.spec, null, 2)}\n`);
}

/** Run the sweep's missing trials on local worker threads. */
export async function runSweepLocal(plan: SweepPlan, dir: string, opts: LocalSweepOptions = {}): Promise<SweepSummary> {
  const results = await ResultsFile.open(dir);
  const t0 = performance.now();
  const summary: SweepSummary = {
    total: plan.trials.length, skipped: 0, done: 0, failed: 0, elapsedMs: 0, failures: [], refused: 0, aborted: false, droppedBytes: results.dropped,
  };
  let pool: TrialPool | undefined;
  try {
    await saveSpec(plan, dir);
    const todo = plan.trials.filter((t) => !results.done.has(t.key));
    summary.skipped = plan.trials.length - todo.length;
    const report = () => {
      summary.elapsedMs = performance.now() - t0;
      const finished = summary.done + summary.failed, left = todo.length - finished;
      summary.etaMs = finished > 0 ? (summary.elapsedMs / finished) * left : undefined;
      opts.onProgress?.({ ...summary });
    };
    report();
    if (todo.length === 0) return summary;
    const threads = Math.max(1, Math.min(opts.threads ?? (await import('node:os')).availableParallelism(), todo.length));
    pool = await TrialPool.start(threads);
    const signal = opts.signal;
    const onAbort = () => { summary.aborted = true; void pool?.close(); };
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let next = 0;
    const lane = async () => {
      while (!summary.aborted && next < todo.length) {
        const t = todo[next++]!;
        let outcome: TrialOutcome;
        try {
          outcome = await pool!.run(t, plan.keep);
        } catch (e) {
          if (summary.aborted) return;
          if (!(e instanceof WorkerError)) throw e;
          summary.failed++;
          summary.failures.push({ key: t.key, index: t.index, message: e.message });
          report();
          continue;
        }
        await results.append(resultLine(plan, t, outcome, 'local'));
        if (outcome.error !== undefined) summary.refused++;
        summary.done++;
        report();
      }
    };
    try {
      await Promise.all(Array.from({ length: threads }, lane));
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    summary.elapsedMs = performance.now() - t0;
    return summary;
  } finally {
    await pool?.close();
    await results.close();
  }
}
