/**
 * Shared machinery of the experiments: the context they run in, running one configuration, measuring rates from
 * a record, and writing plots (CSV + SVG + Vega-Lite JSON through `src/plots`).
 */
import type { TopLevelSpec } from 'vega-lite';
import { writePlot } from '../../plots/node.js';
import { createProblem, type ProblemOptions } from '../../problems/generate.js';
import type { Problem } from '../../problems/problem.js';
import type { Runtime } from '../../runtime.js';
import { solve, solveSync } from '../../solvers/solve.js';
import type { CliStream } from '../io.js';
import { ProgressDisplay } from '../progress.js';
import type { RunResult, SolverOptions } from '../../solvers/solver.js';
import { fmt, fmtMs } from '../format.js';
import type { ResultLine } from '../../sweeps/results.js';
import type { TrialResult } from '../../sweeps/trial.js';
import type { SweepSpec } from '../../sweeps/spec.js';

/** What an experiment runs with. */
export interface ExperimentContext {
  rt: Runtime;
  /** Small sizes for CI (each experiment under a minute on two cores). */
  quick: boolean;
  /** Directory the CSV/SVG/JSON files go to. */
  outDir: string;
  /** Base seed (problems use seed, seed + 1, …). */
  seed: number;
  /** Print a line of findings/progress. */
  log(line: string): void;
  /** Paths written so far. */
  files: string[];
  /** A terminal to draw a progress bar on during each run (unset: no progress display). */
  progress?: CliStream;
  /**
   * Run a sweep (docs/sweeps.md) on local worker threads, recorded in outDir/trials/NAME/results.jsonl — running the
   * experiment again into the same folder runs only the trials it lacks — and return its result lines in the order
   * of the spec's expansion. Trials the library refuses, or that fail, are errors here.
   */
  sweep(spec: SweepSpec, name: string): Promise<ResultLine[]>;
}

/** A registered experiment. */
export interface Experiment {
  name: string;
  /** One line for `--list`. */
  title: string;
  /** What it shows (the fact of docs/theory.md §9 it demonstrates), for the help and the README. */
  shows: string;
  /** Methods it needs from the registry. */
  requires: readonly string[];
  run(ctx: ExperimentContext): Promise<void>;
}

/** Run one configuration; on a terminal with a progress bar labelled `label` (long full-scale runs). */
export async function runConfig(ctx: ExperimentContext, problem: Problem, opts: SolverOptions, label = ''): Promise<RunResult> {
  if (!ctx.progress) return solveSync(ctx.rt, problem, opts);
  const display = new ProgressDisplay(ctx.progress, 'bar', label ? `  ${label} ` : '  ');
  try {
    return await solve(ctx.rt, problem, { ...opts, onProgress: (p) => display.update(p), progressEveryMs: 150 });
  } finally {
    display.clear();
  }
}

/** Create a problem that is disposed by `use`'s end. */
export async function withProblem<T>(ctx: ExperimentContext, o: ProblemOptions, use: (p: Problem) => Promise<T> | T): Promise<T> {
  const p = createProblem(ctx.rt, o);
  try {
    return await use(p);
  } finally {
    p.dispose();
  }
}

/** A sweep trial's record (plain arrays), thinned for plotting like {@link thinRecord}. */
export function thinTrialRecord(rec: { iter: number[]; relError: number[]; relResidual: number[]; timeMs: number[] }): { iter: number[]; relError: number[]; relResidual: number[]; timeMs: number[] } {
  const idx = thin(rec.iter.length), at = (a: number[]) => idx.map((i) => a[i]!);
  return { iter: at(rec.iter), relError: at(rec.relError), relResidual: at(rec.relResidual), timeMs: at(rec.timeMs) };
}

/** A trial's record as read back from JSON, where a non-finite value was stored as null: NaN again. */
export function withNaN<T extends Record<string, (number | null)[]>>(rec: T): { [K in keyof T]: number[] } {
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(rec)) out[k] = v.map((x) => x ?? NaN);
  return out as { [K in keyof T]: number[] };
}

/** Progress line for one finished run, in-process or a sweep trial. */
export function runLine(label: string, res: RunResult | TrialResult): string {
  const e = 'estimate' in res ? last(res.record.relError) : res.relError ?? undefined;
  return `  ${label}: ${res.iterations} iterations, rel. error ${fmt(e)}, ${fmtMs(res.timeMs)} (${res.stopReason})`;
}

export function last(a?: ArrayLike<number>): number | undefined {
  return a && a.length ? a[a.length - 1] : undefined;
}

/**
 * Linear convergence rate ρ of `err` (err ≈ C·e^{−ρ t}) by least squares of ln err against t over the entries
 * with index in [from, to) whose error is above `floor` (the f64/f32 floor would flatten the fit).
 */
export function linearRate(iter: ArrayLike<number>, err: ArrayLike<number>, from: number, to: number, floor = 1e-13): number {
  const xs: number[] = [], ys: number[] = [];
  for (let i = Math.max(0, from); i < Math.min(to, err.length); i++) {
    const e = err[i]!;
    if (e > floor && Number.isFinite(e)) { xs.push(iter[i]!); ys.push(Math.log(e)); }
  }
  return -slope(xs, ys);
}

/** Slope of log err against log t over [from, to) (err ≈ C·t^{slope}); t = 0 is skipped. */
export function logLogSlope(iter: ArrayLike<number>, err: ArrayLike<number>, from: number, to: number, floor = 1e-13): number {
  const xs: number[] = [], ys: number[] = [];
  for (let i = Math.max(1, from); i < Math.min(to, err.length); i++) {
    const e = err[i]!;
    if (e > floor && iter[i]! > 0) { xs.push(Math.log(iter[i]!)); ys.push(Math.log(e)); }
  }
  return slope(xs, ys);
}

function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += xs[i]!; my += ys[i]!; }
  mx /= n; my /= n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) { sxy += (xs[i]! - mx) * (ys[i]! - my); sxx += (xs[i]! - mx) ** 2; }
  return sxx > 0 ? sxy / sxx : NaN;
}

/** First iteration at which `err` ≤ threshold, or undefined. */
export function firstBelow(iter: ArrayLike<number>, err: ArrayLike<number>, threshold: number): number | undefined {
  for (let i = 0; i < err.length; i++) if (err[i]! <= threshold) return iter[i]!;
  return undefined;
}

/** Keep every `step`-th entry (and the last) of each column: keeps CSVs and SVGs small for long runs. */
export function thin(n: number, maxPoints = 600): number[] {
  const step = Math.max(1, Math.ceil(n / maxPoints));
  const idx: number[] = [];
  for (let i = 0; i < n; i += step) idx.push(i);
  if (n > 0 && idx[idx.length - 1] !== n - 1) idx.push(n - 1);
  return idx;
}

export function pick(a: ArrayLike<number>, idx: number[]): Float64Array {
  return Float64Array.from(idx, (i) => a[i]!);
}

/** Write one plot (SVG + .vl.json) and its CSV; remember the paths. */
export async function plot(ctx: ExperimentContext, name: string, spec: TopLevelSpec, csv: Record<string, ArrayLike<number>>): Promise<void> {
  const w = await writePlot(ctx.outDir, name, spec, { csv });
  ctx.files.push(w.svg, w.spec, w.csv!);
}

/**
 * Long-format CSV columns for several runs' curves: `run` (index into `names`), x, and the metrics, thinned.
 */
export function curvesCsv(runs: { record: { iter: ArrayLike<number>; timeMs: ArrayLike<number>; relError?: ArrayLike<number>; relResidual: ArrayLike<number> } }[]): Record<string, number[]> {
  const out: Record<string, number[]> = { run: [], iter: [], timeMs: [], relError: [], relResidual: [] };
  runs.forEach((r, j) => {
    const rec = r.record;
    for (const i of thin(rec.iter.length)) {
      out.run!.push(j); out.iter!.push(rec.iter[i]!); out.timeMs!.push(rec.timeMs[i]!);
      out.relError!.push(rec.relError ? rec.relError[i]! : NaN); out.relResidual!.push(rec.relResidual[i]!);
    }
  });
  return out;
}

/** Thinned copy of a run's record for plotting. */
export function thinRecord(res: RunResult): { iter: Float64Array; relError?: Float64Array; relResidual: Float64Array; timeMs: Float64Array } {
  const idx = thin(res.record.iter.length);
  return {
    iter: pick(res.record.iter, idx),
    relError: res.record.relError ? pick(res.record.relError, idx) : undefined,
    relResidual: pick(res.record.relResidual, idx),
    timeMs: pick(res.record.timeMs, idx),
  };
}

/**
 * Linear rate over the part of the curve between two error levels: from the first iterate with err ≤ hi to the
 * first with err ≤ lo (or the end), by least squares of ln err. Undefined when the curve never reaches `hi`.
 */
export function rateBetween(iter: ArrayLike<number>, err: ArrayLike<number>, hi: number, lo: number): number | undefined {
  let a = -1, b = err.length;
  for (let i = 0; i < err.length; i++) {
    if (a < 0 && err[i]! <= hi) a = i;
    if (a >= 0 && err[i]! <= lo) { b = i + 1; break; }
  }
  if (a < 0 || b - a < 3) return undefined;
  const r = linearRate(iter, err, a, b, 0);
  return Number.isFinite(r) ? r : undefined;
}
