/**
 * `matsense solve`: generate (or `--load`) a problem, run a registered method on it with a progress display,
 * print a summary table, and write the record (`--out`) and the factors (`--save`).
 */
import { resolve } from 'node:path';
import { checkOutputFile } from '../../io/node.js';
import { getMethod } from '../../registry.js';
import { createRuntime, type Runtime } from '../../runtime.js';
import { sharedMemorySupported } from '../../kernels/load.js';
import { solve, type SolveOptions } from '../../solvers/solve.js';
import type { RunResult } from '../../solvers/solver.js';
import type { InitOptions } from '../../solvers/init.js';
import type { SpectralRecord } from '../../diagnostics/spectral.js';
import type { Problem } from '../../problems/problem.js';
import { formatHelp, parseArgs, UsageError, type OptSpec, type OptValue } from '../args.js';
import { FEATURES } from '../features.js';
import { fmt, fmtMs, keyValueTable } from '../format.js';
import { EXIT, println, type CliIO } from '../io.js';
import { methodList, methodParamSpecs, paramsFor } from '../methods.js';
import { checkOutPath, checkSavePath, saveRunNpz, writeRunRecord } from '../output.js';
import { generateFromFlags, loadProblemFile, PROBLEM_SPECS, type BuiltProblem } from '../problem.js';
import { autoMode, ProgressDisplay, type ProgressMode } from '../progress.js';

/** Options of the method/model and the run, shared with `demo`. */
export function runSpecs(): OptSpec[] {
  return [
    { name: 'method', type: 'choice', choices: methodList().map((m) => m.name), doc: 'registered method (default gd; see `matsense methods`)', group: 'Method' },
    { name: 'model', type: 'choice', choices: ['asymmetric', 'symmetric'], doc: 'F Gᵀ or X Xᵀ (default: symmetric iff the problem is)', group: 'Method' },
    { name: 'k', type: 'int', min: 1, doc: 'width of the factors (default 2·r; with --load: the columns of F0/X0)', group: 'Method' },
    { name: 'init', type: 'choice', choices: ['random', 'spectral'], doc: 'small random init (default) or spectral init (top-k SVD of A*(y))', group: 'Initialization' },
    { name: 'alpha', type: 'number', min: 0, doc: 'scale α of F0 (X0) (default 1e-3)', group: 'Initialization' },
    { name: 'beta', type: 'number', min: 0, doc: 'scale β of G0 (default α)', group: 'Initialization' },
    { name: 'normalizer', type: 'choice', choices: ['none', 'sqrt-k', 'sqrt-n'], doc: 'divide the N(0,1) init entries by 1, √k or √n (default none)', group: 'Initialization' },
    { name: 'init-seed', type: 'int', min: 0, doc: 'seed of the init draws (default 1)', group: 'Initialization' },
    ...methodParamSpecs(),
    { name: 'iters', type: 'int', min: 0, aliases: ['max-iter'], doc: 'maximum number of iterations (default 1000)', group: 'Stopping' },
    { name: 'tol', type: 'number', min: 0, doc: 'stop when ‖A(X) − y‖/‖y‖ ≤ tol (default 1e-10; 0: off)', group: 'Stopping' },
    { name: 'error-tol', type: 'number', min: 0, doc: 'stop when the relative error to M* ≤ this (default 0: off)', group: 'Stopping' },
    { name: 'precision', type: 'choice', choices: ['mixed', 'f64', 'f32'], doc: "arithmetic of the operator pass (default mixed; f64 = exact f64 arithmetic on the f32 operator)", group: 'Execution' },
    { name: 'threads', type: 'int', min: 1, max: 256, doc: 'threads for the operator passes: rows of A split across workers (a generated Gaussian or a loaded operator; default 1)', group: 'Execution' },
    { name: 'memory', type: 'choice', choices: ['auto', 'shared', 'private', 'message'], doc: "with --threads: where the operator's rows live (default auto: one shared memory; private: a memory per worker, for operators over 4 GiB)", group: 'Execution' },
    { name: 'diagnostics-every', type: 'int', min: 0, doc: 'record the spectral diagnostics (SVD-based) every K iterations (default 0: off)', group: 'Execution' },
  ];
}

const OUTPUT_SPECS: OptSpec[] = [
  { name: 'out', type: 'string', metavar: 'FILE.json|FILE.csv', doc: 'write the run record (JSON: settings, outcome and every metric; CSV: the metrics)', group: 'Output' },
  { name: 'save', type: 'string', metavar: 'FILE.npz', doc: 'write F, G (or X), estimate and the record_* arrays as a NumPy .npz', group: 'Output' },
  { name: 'progress', type: 'choice', choices: ['auto', 'bar', 'lines', 'off'], doc: 'progress display (default auto: a bar on a terminal, plain lines otherwise)', group: 'Output' },
  { name: 'quiet', type: 'flag', doc: 'print only the summary (same as --progress off)', group: 'Output' },
];

export function solveSpecs(): OptSpec[] {
  return [...PROBLEM_SPECS, ...runSpecs(), ...OUTPUT_SPECS];
}

const DESCRIPTION =
  'Generate a low-rank matrix sensing problem (or load one from a NumPy .npz), fit it with a registered method ' +
  'from a small random initialization, and report the run. Conventions: vec is row-major (numpy ravel), the loss ' +
  'is ½‖A(F Gᵀ) − y‖² (¼‖A(X Xᵀ) − y‖² for X Xᵀ), F and G are updated simultaneously.';

const FOOTER = `Examples:
  matsense solve --n1 60 --r 3 --k 10 --alpha 1e-6 --iters 500
  matsense solve --symmetric --n1 40 --r 2 --k 2 --method gd --out run.json
  matsense solve --load p.npz --method gd --eta 0.1 --iters 500 --precision f64 --out run.json --save fit.npz`;

export function solveHelp(): string {
  return formatHelp({ usage: 'matsense solve [options]', description: DESCRIPTION, specs: solveSpecs(), footer: FOOTER });
}

/** Everything a run needs, resolved from the flags. */
export interface RunPlan {
  options: SolveOptions;
  methodName: string;
  threadsNote?: string;
  initLabel: string;
}

/** Build the solver options from parsed flags (validates method parameters; no allocation). */
export function planRun(v: Record<string, OptValue>, built: BuiltProblem, defaults: { k?: number; alpha?: number; iters?: number } = {}): RunPlan {
  const method = getMethod((v.method as string | undefined) ?? 'gd');
  const params = paramsFor(method, v);
  const p = built.problem;
  let k = v.k as number | undefined;
  if (k !== undefined && built.k0 !== undefined && k !== built.k0) throw new UsageError(`--k ${k} disagrees with the starting factors in the file, which have ${built.k0} columns`);
  k ??= built.k0 ?? defaults.k ?? (p.r !== undefined ? Math.min(2 * p.r, Math.min(p.n1, p.n2)) : undefined);
  if (k === undefined) throw new UsageError('--k is required: the problem file has no F0/G0/X0 and no rank r to default from');
  const model = (v.model as 'asymmetric' | 'symmetric' | undefined) ?? (built.X0 ? 'symmetric' : built.F0 ? 'asymmetric' : undefined);
  if (model === 'symmetric' && built.F0) throw new UsageError('--model symmetric needs X0 in the file, not F0/G0');
  if (model === 'asymmetric' && built.X0) throw new UsageError('--model asymmetric needs F0 and G0 in the file, not X0');
  const init: InitOptions & Record<string, unknown> = {};
  const initKind = (v.init as string | undefined) ?? 'random';
  if (initKind === 'spectral') {
    if (!FEATURES.spectralInit) throw new UsageError('--init spectral: spectral initialization is not available in this build');
    if (built.F0 || built.X0) throw new UsageError('--init spectral cannot be combined with starting factors from the file');
    init.kind = 'spectral';
  }
  if (v.alpha !== undefined) init.alpha = v.alpha as number;
  else if (defaults.alpha !== undefined) init.alpha = defaults.alpha;
  if (v.beta !== undefined) init.beta = v.beta as number;
  if (v.normalizer !== undefined) init.normalizer = v.normalizer as InitOptions['normalizer'];
  if (v['init-seed'] !== undefined) init.seed = v['init-seed'] as number;
  if (built.F0) { init.F0 = built.F0; init.G0 = built.G0; }
  if (built.X0) init.X0 = built.X0;
  const options: SolveOptions & Record<string, unknown> = {
    k, method: method.name, params,
    maxIter: (v.iters as number | undefined) ?? defaults.iters,
    tol: v.tol as number | undefined,
    errorTol: v['error-tol'] as number | undefined,
    precision: v.precision as SolveOptions['precision'],
  };
  if (model) options.model = model;
  // Only pass `init` when something was chosen, so a method's own default start (e.g. spectral for ScaledGD) applies.
  // A user seed alone keeps the method's default kind of start.
  const defaultInit = (method as { defaultInit?: Record<string, unknown> }).defaultInit;
  if (v.init === undefined && defaultInit && !built.F0 && !built.X0 && v.alpha === undefined && v.beta === undefined && v.normalizer === undefined && defaults.alpha === undefined) {
    Object.assign(init, { ...defaultInit, ...init });
  }
  if (Object.keys(init).length) options.init = init;
  const threadsNote = built.notes.find((n) => n.startsWith('threads:'));
  const every = v['diagnostics-every'] as number | undefined;
  if (every) {
    if (!FEATURES.diagnosticsEvery) throw new UsageError('--diagnostics-every: the spectral diagnostics are not available in this build');
    options.diagnosticsEvery = every;
  }
  const initLabel = initKind === 'spectral' || init.kind === 'spectral' || (!options.init && defaultInit?.kind === 'spectral')
    ? 'spectral (top-k SVD of A*(y))'
    : built.F0 || built.X0 ? 'from the file' : `random, α = ${fmt(init.alpha ?? 1e-3)}${init.beta !== undefined ? `, β = ${fmt(init.beta)}` : ''}`;
  return { options, methodName: method.name, threadsNote, initLabel };
}

/** Run with a progress display; Ctrl-C stops the run cleanly (stop reason 'aborted') instead of killing it. */
export async function runWithProgress(io: CliIO, rt: Runtime, problem: Problem, options: SolveOptions, mode: ProgressMode): Promise<RunResult> {
  const display = new ProgressDisplay(io.stdout, mode);
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once('SIGINT', onSig);
  try {
    return await solve(rt, problem, { ...options, onProgress: (pr) => display.update(pr), progressEveryMs: mode === 'bar' ? 100 : 250, signal: ac.signal });
  } finally {
    process.removeListener('SIGINT', onSig);
    display.finish();
  }
}

/** The summary table of a run. */
export function summaryTable(res: RunResult, built: BuiltProblem, plan: RunPlan): string {
  const rec = res.record, last = (a?: ArrayLike<number>) => (a && a.length ? a[a.length - 1] : undefined);
  const rows: [string, string][] = [
    ['problem', built.description],
    ['method', `${res.method} (${res.model}, k = ${res.k}${res.eta !== undefined ? `, η = ${fmt(res.eta)}` : ''}${Object.entries(res.params).filter(([n]) => n !== 'eta').map(([n, x]) => `, ${n} = ${fmt(x)}`).join('')})`],
    ['init', plan.initLabel],
  ];
  if (rec.relError) rows.push(['final relative error', fmt(last(rec.relError))]);
  rows.push(['final rel. residual', fmt(last(rec.relResidual))]);
  if (rec.testError) rows.push(['final test error', fmt(last(rec.testError))]);
  if (rec.imbalance) rows.push(['imbalance ‖FᵀF − GᵀG‖', fmt(last(rec.imbalance))]);
  rows.push(['iterations', String(res.iterations)]);
  rows.push(['time', `${fmtMs(res.timeMs)}${res.iterations > 0 ? ` (${fmt(res.timeMs / res.iterations)} ms/iter)` : ''}`]);
  rows.push(['stop reason', `${res.stopReason}: ${res.message}`]);
  if (plan.threadsNote) rows.push(['threads', plan.threadsNote.replace(/^threads: /, '')]);
  const spec = res.diagnostics.spectral as SpectralRecord | undefined;
  if (spec && spec.iter.length) {
    const ph = spec.phases;
    rows.push(['phases', `alignment ends ≈ iter ${ph.alignmentEnd ?? '—'}, saddle escape ends ≈ iter ${ph.saddleEscapeEnd ?? '—'}, then refinement (sampled every ${spec.every})`]);
    for (const n of ph.notes) rows.push(['', n]);
    rows.push(['effective rank', `${fmt(spec.effectiveRank[spec.effectiveRank.length - 1])} (of F Gᵀ at iter ${spec.iter[spec.iter.length - 1]})`]);
  }
  for (const e of res.events) rows.push(['event', `iter ${e.iter}: ${e.kind}${e.detail ? ` (${e.detail})` : ''}`]);
  for (const w of res.warnings) rows.push(['warning', w]);
  return keyValueTable(rows);
}

/** `matsense solve`. */
export async function solveCommand(argv: string[], io: CliIO): Promise<number> {
  const specs = solveSpecs();
  const { values: v, positionals, help } = parseArgs(argv, specs, 'solve');
  if (help) { io.stdout.write(solveHelp()); return 0; }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, 'solve');
  if (v.out !== undefined) checkOutPath(v.out as string);
  if (v.save !== undefined) checkSavePath(v.save as string);
  const cwd = io.cwd ?? process.cwd();
  // Fail before a long run, not after it: the output paths must be writable files.
  for (const flag of ['out', 'save'] as const) {
    if (v[flag] !== undefined) await checkOutputFile(resolve(cwd, v[flag] as string));
  }
  const threads = (v.threads as number | undefined) ?? 1;
  const memory = v.memory as 'auto' | 'shared' | 'private' | 'message' | undefined;
  if (memory !== undefined && threads === 1) throw new UsageError('--memory applies to --threads N with N > 1', 'solve');
  // Worker threads share the runtime's memory when the platform allows it (else each holds its own rows).
  const rt = await createRuntime(threads > 1 && (memory ?? 'auto') === 'auto' || memory === 'shared' ? { shared: sharedMemorySupported() } : {});
  const built = v.load !== undefined ? await loadProblemFile(rt, v.load as string, v, cwd, threads, memory) : await generateFromFlags(rt, v, threads, memory);
  try {
    const plan = planRun(v, built);
    const op = built.problem.op;
    if (op.threads > 1) plan.threadsNote = `threads: ${op.threads} (${op.placement} memory)`;
    const mode: ProgressMode = v.quiet ? 'off' : v.progress && v.progress !== 'auto' ? (v.progress as ProgressMode) : autoMode(io.stdout);
    for (const n of built.notes) println(io.stderr, `note: ${n}`);
    const res = await runWithProgress(io, rt, built.problem, plan.options, mode);
    io.stdout.write(summaryTable(res, built, plan));
    const meta = { command: 'solve', argv, ...built.meta, init: plan.initLabel };
    if (v.out !== undefined) {
      await writeRunRecord(resolve(cwd, v.out as string), res, meta);
      println(io.stdout, `  wrote ${v.out}`);
    }
    if (v.save !== undefined) {
      await saveRunNpz(resolve(cwd, v.save as string), res);
      println(io.stdout, `  wrote ${v.save}`);
    }
    if (res.stopReason === 'diverged') {
      println(io.stderr, `matsense: the run diverged: ${res.message}`);
      return EXIT.failure;
    }
    if (res.stopReason === 'aborted') {
      // interrupted (Ctrl-C): what the run had is written above, its stop reason 'aborted' in the record
      println(io.stderr, 'matsense: interrupted; the run stopped early (stop reason: aborted)');
      return EXIT.interrupted;
    }
    return EXIT.ok;
  } finally {
    built.problem.dispose();
  }
}
