/**
 * `matsense demo`: the first command to run. A small asymmetric problem (60 × 60, rank 3, m = 8·r·(n1+n2)),
 * overparameterized GD (k = 10) from a tiny random init (α = 1e-6), a progress bar, the summary table, and one
 * sentence on what happened. A few seconds on a laptop.
 */
import { thinSvdOfProduct } from '../../linalg/svd.js';
import { createRuntime } from '../../runtime.js';
import { formatHelp, parseArgs, UsageError, type OptSpec } from '../args.js';
import { fmt } from '../format.js';
import { println, type CliIO } from '../io.js';
import { generateFromFlags } from '../problem.js';
import { autoMode, type ProgressMode } from '../progress.js';
import { planRun, runWithProgress, summaryTable } from './solve.js';

const SPECS: OptSpec[] = [
  { name: 'n', type: 'int', min: 2, doc: 'size n1 = n2 of the matrix (default 60)' },
  { name: 'r', type: 'int', min: 1, doc: 'rank of M* (default 3)' },
  { name: 'k', type: 'int', min: 1, doc: 'width of the factors (default 10)' },
  { name: 'alpha', type: 'number', min: 0, exclusiveMin: true, doc: 'init scale α (default 1e-6)' },
  { name: 'iters', type: 'int', min: 1, doc: 'iterations (default 400)' },
  { name: 'seed', type: 'int', min: 0, doc: 'problem seed (default 0)' },
  { name: 'progress', type: 'choice', choices: ['auto', 'bar', 'lines', 'off'], doc: 'progress display (default auto)' },
];

export function demoHelp(): string {
  return formatHelp({
    usage: 'matsense demo [options]',
    description: 'Recover a random 60×60 rank-3 matrix from 2880 Gaussian measurements with overparameterized gradient descent ' +
      '(k = 10 > r = 3) from a tiny random initialization, and say what happened. Try `matsense solve --help` next.',
    specs: SPECS,
  });
}

export async function demoCommand(argv: string[], io: CliIO): Promise<number> {
  const { values: v, positionals, help } = parseArgs(argv, SPECS, 'demo');
  if (help) { io.stdout.write(demoHelp()); return 0; }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, 'demo');
  const n = (v.n as number | undefined) ?? 60, r = (v.r as number | undefined) ?? 3;
  const k = (v.k as number | undefined) ?? Math.min(10, n), alpha = (v.alpha as number | undefined) ?? 1e-6;
  if (r > n) throw new UsageError(`--r ${r} exceeds --n ${n}`, 'demo');
  if (k > n) throw new UsageError(`--k ${k} exceeds --n ${n}`, 'demo');
  const rt = await createRuntime();
  const built = await generateFromFlags(rt, { n1: n, r, seed: (v.seed as number | undefined) ?? 0 });
  try {
    const p = built.problem;
    println(io.stdout, `matsense demo: recover a ${n}×${n} rank-${r} matrix M* from m = ${p.m} random linear measurements ` +
      `(${fmt(p.m / (n * n))} per entry; M* has r(2n − r) = ${r * (2 * n - r)} degrees of freedom), fitting F Gᵀ with k = ${k} columns ` +
      `from a random init of scale α = ${fmt(alpha)}.`);
    const plan = planRun({ k, alpha, iters: (v.iters as number | undefined) ?? 400 }, built);
    const mode: ProgressMode = v.progress && v.progress !== 'auto' ? (v.progress as ProgressMode) : autoMode(io.stdout);
    const res = await runWithProgress(io, rt, p, plan.options, mode);
    io.stdout.write(summaryTable(res, built, plan));
    const s = thinSvdOfProduct(res.F, res.G!, p.n1, p.n2, res.k).s;
    const err = res.record.relError![res.record.relError!.length - 1]!;
    const extra = k > r ? s[r]! : 0;
    println(io.stdout, '');
    println(io.stdout,
      (err < 1e-2
        ? `What happened: gradient descent recovered M* to relative error ${fmt(err)} in ${res.iterations} iterations, although the model has ${k} columns for a rank-${r} target and no rank was imposed`
        : `What happened: after ${res.iterations} iterations the relative error is ${fmt(err)}; more iterations (--iters) or measurements would help`) +
      (k > r ? ` — the ${k - r} extra singular values of F Gᵀ stayed near the init scale (σ${r + 1} = ${fmt(extra)} vs σ${r} = ${fmt(s[r - 1]!)}): the implicit low-rank bias of a small initialization.` : '.'));
    println(io.stdout, 'Next: `matsense solve --help`, `matsense methods`, `matsense experiment --list`.');
    return 0;
  } finally {
    built.problem.dispose();
  }
}
