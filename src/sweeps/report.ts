/**
 * `matsense sweep report DIR`: the results of a sweep as tables and plots — every trial (trials.csv), each point of
 * the grid over its repetitions (summary.csv, printed), and the plots its axes call for: the success-rate heat map
 * over (m or density, r) — the phase transition —, iterations to each threshold against α, and against κ.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/node.js';
import { heatmap, lineChart, type LineSeries } from '../plots/specs.js';
import { parseResults, RESULTS_FILE, type ResultLine } from './results.js';
import { fieldOf, resolveKeep, type SweepSpec } from './spec.js';
import { ValidationError } from '../errors.js';

/** Repetition fields: they never make a point of the grid, the summary aggregates over them. */
const REPEATS = ['problem.seed', 'solver.initSeed'];

export interface SweepReport {
  /** The fields that vary across the results (repetitions excluded). */
  axes: string[];
  /** One row per point: the axes' values, then the statistics. */
  header: string[];
  rows: string[][];
  files: string[];
}

const median = (xs: number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b), h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
};
const fmtNum = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '' : Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));
const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const csv = (header: string[], rows: string[][]) => [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';

/** Every parameter name a result line sets. */
function names(lines: ResultLine[]): string[] {
  const out = new Set<string>();
  for (const l of lines) {
    for (const k of Object.keys(l.problem)) out.add(`problem.${k}`);
    for (const [k, v] of Object.entries(l.solver)) {
      if (k === 'params') for (const p of Object.keys(v as object)) out.add(`solver.params.${p}`);
      else out.add(`solver.${k}`);
    }
  }
  return [...out];
}

const short = (name: string) => name.replace(/^(problem|solver)\./, '').replace(/^params\./, '');

/** Read DIR's spec and results and write DIR/report (or `outDir`): CSV tables, SVG plots and their Vega-Lite specs. */
export async function sweepReport(dir: string, opts: { outDir?: string; plots?: boolean; writePlot?: (dir: string, name: string, spec: unknown) => Promise<string[]> } = {}): Promise<SweepReport> {
  const resultsPath = join(dir, RESULTS_FILE);
  let text: string;
  try {
    text = await readFile(resultsPath, 'utf8');
  } catch (e) {
    throw new ValidationError(`${resultsPath}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no results here (run `matsense sweep run SPEC --out DIR` first)' : (e as Error).message}`);
  }
  let spec: SweepSpec | undefined;
  try { spec = JSON.parse(await readFile(join(dir, 'spec.json'), 'utf8')) as SweepSpec; } catch { spec = undefined; }
  const keep = resolveKeep(spec?.keep);
  const { lines } = parseResults(text, resultsPath);
  if (lines.length === 0) throw new ValidationError(`${resultsPath}: no finished trials yet`);
  const out = opts.outDir ?? join(dir, 'report');
  await mkdir(out, { recursive: true });
  const files: string[] = [];
  const all = names(lines);
  const axes = all.filter((n) => !REPEATS.includes(n) && new Set(lines.map((l) => JSON.stringify(fieldOf(l, n) ?? null))).size > 1);

  // every trial
  const thCols = keep.thresholds.map((t) => `iters_to_${t}`);
  const tHeader = ['index', 'key', ...all.map(short), 'stop_reason', 'iterations', 'rel_error', 'rel_residual', 'test_error', ...thCols, 'success', 'time_ms', 'error', 'ran_on'];
  const tRows = [...lines].sort((a, b) => a.index - b.index).map((l) => [
    String(l.index), l.key, ...all.map((n) => String(fieldOf(l, n) ?? '')),
    l.result?.stopReason ?? '', fmtNum(l.result?.iterations), fmtNum(l.result?.relError), fmtNum(l.result?.relResidual), fmtNum(l.result?.testError),
    ...keep.thresholds.map((_, i) => fmtNum(l.result?.itersTo[i])), l.result ? String(l.result.success) : '', fmtNum(l.result?.timeMs), l.error ?? '', l.ranOn,
  ]);
  await writeFileAtomic(join(out, 'trials.csv'), csv(tHeader, tRows));
  files.push(join(out, 'trials.csv'));

  // each point of the grid, over its repetitions
  const groups = new Map<string, ResultLine[]>();
  for (const l of lines) {
    const g = JSON.stringify(axes.map((a) => fieldOf(l, a) ?? null));
    (groups.get(g) ?? groups.set(g, []).get(g)!).push(l);
  }
  const header = [...axes.map(short), 'trials', 'success', ...keep.thresholds.map((t) => `median iters to ${t}`), 'median rel. error', 'median ms'];
  const stats = [...groups.entries()].map(([g, ls]) => {
    const ok = ls.filter((l) => l.result);
    const itersTo = keep.thresholds.map((_, i) => {
      const reached = ok.map((l) => l.result!.itersTo[i]).filter((v): v is number => v !== null && v !== undefined);
      return reached.length === ok.length && ok.length > 0 ? median(reached) : NaN; // a median only when every repetition reached it
    });
    return {
      key: JSON.parse(g) as (string | number | boolean | null)[], n: ls.length,
      success: ok.length ? ok.filter((l) => l.result!.success).length / ok.length : NaN,
      itersTo, relError: median(ok.map((l) => l.result!.relError).filter((v): v is number => v !== null)),
      ms: median(ok.map((l) => l.result!.timeMs)),
    };
  });
  const cmp = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b)));
  stats.sort((a, b) => { for (let i = 0; i < a.key.length; i++) { const c = cmp(a.key[i], b.key[i]); if (c) return c; } return 0; });
  const rows = stats.map((s) => [...s.key.map((v) => (v === null ? '—' : String(v))), String(s.n), fmtNum(s.success), ...s.itersTo.map((v) => (Number.isFinite(v) ? fmtNum(v) : '—')), fmtNum(s.relError), fmtNum(s.ms)]);
  await writeFileAtomic(join(out, 'summary.csv'), csv(header, rows));
  files.push(join(out, 'summary.csv'));

  if (opts.plots !== false) {
    const write = opts.writePlot ?? (async (d: string, name: string, s: unknown) => {
      const { writePlot } = await import('../plots/node.js');
      const w = await writePlot(d, name, s as Parameters<typeof writePlot>[2]);
      return [w.svg, w.spec];
    });
    const idx = (name: string) => axes.indexOf(name);
    const others = (skip: string[]) => axes.filter((a) => !skip.includes(a));
    const label = (s: (typeof stats)[number], skip: string[]) => others(skip).map((a) => `${short(a)} = ${s.key[idx(a)]}`).join(', ');
    // the phase transition: success rate over (m or density, r), one map per combination of the other axes
    const xName = axes.includes('problem.m') ? 'problem.m' : axes.includes('problem.density') ? 'problem.density' : undefined;
    if (xName && axes.includes('problem.r')) {
      const skip = [xName, 'problem.r'];
      const panels = new Map<string, typeof stats>();
      for (const s of stats) { const l = label(s, skip); (panels.get(l) ?? panels.set(l, []).get(l)!).push(s); }
      let p = 0;
      for (const [l, ss] of [...panels.entries()].slice(0, 12)) {
        const xs = [...new Set(ss.map((s) => s.key[idx(xName)] as number))].sort((a, b) => a - b);
        const ys = [...new Set(ss.map((s) => s.key[idx('problem.r')] as number))].sort((a, b) => a - b);
        const values = ys.map((y) => xs.map((x) => ss.find((s) => s.key[idx(xName)] === x && s.key[idx('problem.r')] === y)?.success ?? NaN));
        files.push(...await write(out, `phase-transition${panels.size > 1 ? `-${++p}` : ''}`, heatmap({
          x: xs, y: ys, values, xTitle: short(xName), yTitle: 'rank r', colorTitle: `P(rel. error ≤ ${keep.success})`,
          title: `Recovery rate over (${short(xName)}, r)${l ? ` — ${l}` : ''}`, colorDomain: [0, 1], showValues: true,
        })));
      }
    }
    // iterations to each threshold against α, and against κ
    for (const [name, title] of [['solver.alpha', 'initialization scale α'], ['problem.kappa', 'condition number κ']] as const) {
      if (!axes.includes(name)) continue;
      const skip = [name];
      const series: LineSeries[] = [];
      const curves = new Map<string, typeof stats>();
      for (const s of stats) { const l = label(s, skip); (curves.get(l) ?? curves.set(l, []).get(l)!).push(s); }
      for (const [l, ss] of [...curves.entries()].slice(0, 8)) {
        const sorted = [...ss].sort((a, b) => (a.key[idx(name)] as number) - (b.key[idx(name)] as number));
        keep.thresholds.forEach((t, i) => series.push({
          name: `${l ? `${l}: ` : ''}to ${t}`, x: sorted.map((s) => s.key[idx(name)] as number), y: sorted.map((s) => s.itersTo[i]!),
        }));
      }
      files.push(...await write(out, name === 'solver.alpha' ? 'alpha-curves' : 'kappa-curves', lineChart({
        title: `Median iterations to each relative-error threshold against ${title}`,
        x: { field: name === 'solver.alpha' ? 'alpha' : 'kappa', title, log: true }, y: { title: 'iterations (log scale)', log: true }, series,
        notes: ['a point only where every repetition reached the threshold'],
      })));
    }
  }
  return { axes, header, rows, files };
}
