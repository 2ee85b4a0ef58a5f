/**
 * Building the problem of a `solve` run: generated from flags, or loaded (`--load`) from a NumPy `.npz` problem file,
 * or from matrix-completion data: observed entries in a Matrix Market coordinate file (`.mtx`), a CSV of
 * `row,col,value` triplets (`.csv`, 0-based), or an `.npz` with the arrays `rows`, `cols`, `vals` (and optionally
 * `test_rows`, `test_cols`, `test_vals` for held-out entries).
 *
 * A problem file holds `A` (m × n1·n2, row i = vec(A_i) row-major; or m × n1 × n2), `y` (m), and optionally
 * `Mstar` (n1 × n2), `F0` (n1 × k), `G0` (n2 × k), `X0` (n × k), `A_test`, `y_test`. The shape n1 × n2 is
 * taken from, in this order: `--n1`/`--n2`; a 3-d `A`; `Mstar`'s shape; the rows of `F0` and `G0` (or `X0`);
 * and finally n1 = n2 = √(n1·n2) when that is an integer. Anything else is an error naming the arrays.
 */
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { loadNpz } from '../io/node.js';
import type { NpzMemberInfo } from '../io/npz.js';
import type { NpyArray } from '../io/npy.js';
import { NpyFormatError } from '../io/npy.js';
import { createProblem, createProblemParallel, type ProblemOptions } from '../problems/generate.js';
import { problemFromData, problemFromDataParallel, problemFromEntries } from '../problems/data.js';
import { parseCsvTriplets, parseMatrixMarket, type Triplets } from '../io/triplets.js';
import type { Problem } from '../problems/problem.js';
import type { Runtime } from '../runtime.js';
import type { PlacementOptions } from '../placement/placement.js';
import { MatsenseError, ValidationError, formatBytes } from '../errors.js';
import { UsageError, type OptSpec, type OptValue } from './args.js';

/** Options that describe a generated problem (and the shape hints of a loaded one). */
export const PROBLEM_SPECS: OptSpec[] = [
  { name: 'load', type: 'string', metavar: 'FILE', doc: 'load the problem: a NumPy .npz (arrays A, y; optional Mstar, F0, G0, X0, A_test, y_test), or matrix-completion entries: .mtx, .csv (row,col,value; 0-based) or .npz with rows, cols, vals', group: 'Problem' },
  { name: 'n1', type: 'int', min: 1, doc: 'rows of M* (default 50; with --load: shape hint)', group: 'Problem' },
  { name: 'n2', type: 'int', min: 1, doc: 'columns of M* (default n1)', group: 'Problem' },
  { name: 'r', type: 'int', min: 1, doc: 'rank of M* (default 3)', group: 'Problem' },
  { name: 'm', type: 'int', min: 1, doc: 'number of measurements (default 8·r·(n1+n2); completion: observed entries, default ⌈4·r·(n1+n2)·ln n⌉)', group: 'Problem' },
  { name: 'density', type: 'number', min: 0, doc: 'completion: observe each entry with this probability instead of exactly m entries', group: 'Problem' },
  { name: 'kappa', type: 'number', min: 1, doc: 'condition number σ1/σr of M* (default 1)', group: 'Problem' },
  { name: 'spectrum', type: 'choice', choices: ['linear', 'geometric'], doc: 'spacing of σ from 1 to 1/κ (default linear)', group: 'Problem' },
  { name: 'symmetric', type: 'flag', doc: 'symmetric PSD target (the X Xᵀ model applies) and a symmetric operator (completion: pairs u ≤ v; rank-one: a_i a_iᵀ)', group: 'Problem' },
  { name: 'noise', type: 'number', min: 0, doc: 'standard deviation of Gaussian measurement noise (default 0)', group: 'Problem' },
  { name: 'operator', type: 'choice', choices: ['gaussian', 'identity', 'completion', 'rank-one'], doc: "'gaussian' (iid N(0,1/m)), 'identity' (A*A = I), 'completion' (observed entries) or 'rank-one' (a_i b_iᵀ) (default gaussian)", group: 'Problem' },
  { name: 'm-test', type: 'int', min: 0, doc: 'held-out test measurements (default 0)', group: 'Problem' },
  { name: 'seed', type: 'int', min: 0, doc: 'seed of the problem draws (default 0)', group: 'Problem' },
];

const GENERATE_ONLY = ['r', 'm', 'density', 'kappa', 'spectrum', 'symmetric', 'noise', 'operator', 'm-test', 'seed'];

/** The problem and what the run needs from the file (starting factors). */
export interface BuiltProblem {
  problem: Problem;
  /** Starting factors from the file, row-major, with their width. */
  F0?: Float64Array | Float32Array;
  G0?: Float64Array | Float32Array;
  X0?: Float64Array | Float32Array;
  k0?: number;
  /** One-line description for the summary. */
  description: string;
  /** Settings to store in run.json. */
  meta: Record<string, unknown>;
  notes: string[];
}

type V = Record<string, OptValue>;

/**
 * Generate a problem from the flags. With `threads` > 1 and the Gaussian operator, the operator's rows are
 * generated and later processed by worker threads ({@link createProblemParallel}: the same bits as one thread).
 */
export async function generateFromFlags(rt: Runtime, v: V, threads = 1, memory?: PlacementOptions['memory']): Promise<BuiltProblem> {
  const n1 = (v.n1 as number | undefined) ?? 50;
  const n2 = (v.n2 as number | undefined) ?? n1;
  const r = (v.r as number | undefined) ?? 3;
  const operator = (v.operator as ProblemOptions['operator'] | undefined) ?? 'gaussian';
  const symmetric = (v.symmetric as boolean | undefined) ?? false;
  const density = v.density as number | undefined;
  if (density !== undefined && operator !== 'completion') throw new UsageError('--density applies to --operator completion');
  if (density !== undefined && v.m !== undefined) throw new UsageError('give either --m (exactly m observed entries) or --density, not both');
  const cells = symmetric ? (n1 * (n1 + 1)) / 2 : n1 * n2;
  const defaultM = operator === 'completion' ? Math.min(cells, Math.ceil(4 * r * (n1 + n2) * Math.log(Math.max(n1, n2, 2)))) : 8 * r * (n1 + n2);
  const opts: ProblemOptions = {
    n1, n2, r,
    ...(density !== undefined ? { density } : { m: (v.m as number | undefined) ?? defaultM }),
    kappa: v.kappa as number | undefined,
    spectrum: v.spectrum as 'linear' | 'geometric' | undefined,
    symmetric,
    noise: v.noise as number | undefined,
    seed: (v.seed as number | undefined) ?? 0,
    mTest: v['m-test'] as number | undefined,
    operator,
  };
  const parallel = threads > 1 && operator !== 'identity';
  const problem = parallel ? await createProblemParallel(rt, { ...opts, threads, memory }) : createProblem(rt, opts);
  const notes: string[] = [];
  if (threads > 1 && !parallel) notes.push('threads: 1 (the identity operator has no rows to split across workers)');
  const what: Record<string, string> = {
    identity: 'identity operator',
    gaussian: `m = ${problem.m} Gaussian measurements`,
    completion: `${problem.m} observed entries (${(100 * problem.m / cells).toPrecision(3)} %${density !== undefined ? `, density ${density}` : ''})`,
    'rank-one': `m = ${problem.m} rank-one measurements`,
  };
  const desc = `generated ${opts.symmetric ? 'symmetric PSD ' : ''}${n1}×${n2}, rank ${r}, κ = ${opts.kappa ?? 1}, ` +
    `${what[operator]}${opts.noise ? `, noise σ = ${opts.noise}` : ''}, seed ${opts.seed}`;
  return { problem, description: desc, meta: { problem: { generated: true, ...opts, m: problem.m } }, notes };
}

function matrix(a: NpyArray | undefined, name: string, file: string): { rows: number; cols: number; data: Float32Array | Float64Array } | undefined {
  if (!a) return undefined;
  if (a.shape.length !== 2) throw new NpyFormatError(`${file}: ${name} must be 2-d, got shape (${a.shape.join(', ')})`);
  return { rows: a.shape[0]!, cols: a.shape[1]!, data: a.data };
}

function vector(a: NpyArray | undefined, name: string, file: string): Float32Array | Float64Array | undefined {
  if (!a) return undefined;
  if (a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1)) return a.data;
  throw new NpyFormatError(`${file}: ${name} must be 1-d (or a column), got shape (${a.shape.join(', ')})`);
}

/** Resolve n1 × n2 of a loaded problem (rule in the module doc). Exported for tests. */
export function inferShape(arrays: Record<string, NpyArray>, N: number, hint: { n1?: number; n2?: number }, file: string): { n1: number; n2: number; from: string } {
  const check = (n1: number, n2: number, from: string) => {
    if (n1 * n2 !== N) throw new NpyFormatError(`${file}: ${from} gives n1 × n2 = ${n1} × ${n2} = ${n1 * n2}, but A has ${N} columns`);
    return { n1, n2, from };
  };
  if (hint.n1 !== undefined || hint.n2 !== undefined) {
    const n1 = hint.n1 ?? N / hint.n2!, n2 = hint.n2 ?? N / hint.n1!;
    if (!Number.isInteger(n1) || !Number.isInteger(n2)) throw new UsageError(`A has ${N} columns, which is not a multiple of --${hint.n1 !== undefined ? 'n1' : 'n2'} ${hint.n1 ?? hint.n2}`);
    if (n1 * n2 !== N) throw new UsageError(`--n1 ${n1} --n2 ${n2} gives ${n1 * n2} entries, but A has ${N} columns`);
    return { n1, n2, from: '--n1/--n2' };
  }
  const A = arrays.A!;
  if (A.shape.length === 3) return check(A.shape[1]!, A.shape[2]!, "A's shape (m, n1, n2)");
  const M = arrays.Mstar;
  if (M && M.shape.length === 2) return check(M.shape[0]!, M.shape[1]!, "Mstar's shape");
  if (arrays.F0 && arrays.G0 && arrays.F0.shape.length === 2 && arrays.G0.shape.length === 2) return check(arrays.F0.shape[0]!, arrays.G0.shape[0]!, 'the rows of F0 and G0');
  if (arrays.X0 && arrays.X0.shape.length === 2) return check(arrays.X0.shape[0]!, arrays.X0.shape[0]!, 'the rows of X0');
  const s = Math.round(Math.sqrt(N));
  if (s * s === N) return { n1: s, n2: s, from: `n1 = n2 = √${N}` };
  throw new UsageError(`cannot tell n1 × n2 from ${file} (A has ${N} columns, not a square): pass --n1/--n2, a 3-d A, Mstar, or F0 and G0`);
}

/** Load a problem file (see the module doc for the arrays and the shape rule). */
/** A file's contents are invalid for a problem (its values or shapes): exit code 1, like a malformed file. */
export class InputFileError extends MatsenseError {}

/** Run `f` on values read from `path`: the library's ValidationError becomes an InputFileError naming the file. */
async function fromFile<T>(path: string, f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof ValidationError) throw new InputFileError(`${path}: ${e.message}`);
    throw e;
  }
}

/**
 * What an .npz must hold, checked from its members' headers before anything is inflated: a dense problem's A (m rows)
 * and y (m entries) — within the memory they will need — or completion data's rows, cols, vals of one length.
 */
function checkNpzMembers(members: NpzMemberInfo[], path: string, rt: Runtime, threads: number): void {
  const get = (k: string) => members.find((m) => m.key === k);
  const count = (m: NpzMemberInfo) => m.shape.reduce((a, b) => a * b, 1);
  const rows = get('rows'), cols = get('cols'), vals = get('vals');
  if (rows || cols || vals) {
    if (!rows || !cols || !vals) throw new NpyFormatError(`${path}: completion data needs the arrays rows, cols and vals together`);
    if (count(rows) !== count(vals) || count(cols) !== count(vals)) throw new NpyFormatError(`${path}: rows, cols and vals have ${count(rows)}, ${count(cols)} and ${count(vals)} entries: they must be equal`);
    return;
  }
  const A = get('A'), y = get('y');
  if (!A) throw new NpyFormatError(`${path} has no array 'A' (the m × n1·n2 operator); it holds: ${members.map((m) => m.key).join(', ') || 'nothing'}`);
  if (!y) throw new NpyFormatError(`${path} has no array 'y' (the m measurements)`);
  if (A.shape.length !== 2 && A.shape.length !== 3) throw new NpyFormatError(`${path}: A must be m × n1·n2 (or m × n1 × n2), got shape (${A.shape.join(', ')})`);
  if (count(y) !== A.shape[0]) throw new NpyFormatError(`${path}: y has ${count(y)} entries but A has ${A.shape[0]} rows`);
  const opBytes = count(A) * 4; // stored as float32
  if (threads <= 1 && opBytes >= rt.available()) {
    throw new InputFileError(`${path}: A (${A.shape.join(' × ')}) needs ${formatBytes(opBytes)} as float32, more than the ${formatBytes(rt.available())} of wasm memory one runtime can hold; ` +
      'use --threads N: workers with their own memories can hold it together');
  }
}

export async function loadProblemFile(rt: Runtime, path: string, v: V, cwd: string, threads = 1, memory?: PlacementOptions['memory']): Promise<BuiltProblem> {
  const file = resolve(cwd, path);
  const ext = extname(path).toLowerCase();
  if (ext === '.mtx' || ext === '.csv') return loadEntries(rt, path, file, ext, v, threads, memory);
  const arrays = await loadNpz(file, { check: (members) => checkNpzMembers(members, path, rt, threads) });
  if (arrays.rows || arrays.cols || arrays.vals) return loadEntries(rt, path, file, ext, v, threads, memory, arrays);
  const given = GENERATE_ONLY.filter((n) => v[n] !== undefined);
  if (given.length) throw new UsageError(`--${given[0]} describes a generated problem and cannot be combined with --load`);
  const known = new Set(['A', 'y', 'Mstar', 'F0', 'G0', 'X0', 'A_test', 'y_test', 'r']);
  const notes: string[] = [];
  const ignored = Object.keys(arrays).filter((k) => !known.has(k));
  if (ignored.length) notes.push(`ignored arrays in ${path}: ${ignored.join(', ')}`);
  const A = arrays.A, yArr = arrays.y;
  if (!A) throw new NpyFormatError(`${path} has no array 'A' (the m × n1·n2 operator); it holds: ${Object.keys(arrays).join(', ') || 'nothing'}`);
  if (!yArr) throw new NpyFormatError(`${path} has no array 'y' (the m measurements)`);
  if (A.shape.length !== 2 && A.shape.length !== 3) throw new NpyFormatError(`${path}: A must be m × n1·n2 (or m × n1 × n2), got shape (${A.shape.join(', ')})`);
  const m = A.shape[0]!;
  const N = A.shape.slice(1).reduce((a, b) => a * b, 1);
  const { n1, n2, from } = inferShape(arrays, N, { n1: v.n1 as number | undefined, n2: v.n2 as number | undefined }, path);
  const y = vector(yArr, 'y', path)!;
  if (y.length !== m) throw new NpyFormatError(`${path}: y has ${y.length} entries but A has ${m} rows`);
  const Mstar = arrays.Mstar;
  if (Mstar && Mstar.data.length !== n1 * n2) throw new NpyFormatError(`${path}: Mstar has shape (${Mstar.shape.join(', ')}), expected (${n1}, ${n2})`);
  const F0 = matrix(arrays.F0, 'F0', path), G0 = matrix(arrays.G0, 'G0', path), X0 = matrix(arrays.X0, 'X0', path);
  if ((F0 === undefined) !== (G0 === undefined)) throw new NpyFormatError(`${path}: F0 and G0 must be given together`);
  if (X0 && F0) throw new NpyFormatError(`${path}: give either F0 and G0 (asymmetric model) or X0 (symmetric), not both`);
  let k0: number | undefined;
  if (F0 && G0) {
    if (F0.rows !== n1 || G0.rows !== n2) throw new NpyFormatError(`${path}: F0 is ${F0.rows} × ${F0.cols} and G0 is ${G0.rows} × ${G0.cols}, expected ${n1} × k and ${n2} × k`);
    if (F0.cols !== G0.cols) throw new NpyFormatError(`${path}: F0 has ${F0.cols} columns but G0 has ${G0.cols}`);
    k0 = F0.cols;
  }
  if (X0) {
    if (n1 !== n2 || X0.rows !== n1) throw new NpyFormatError(`${path}: X0 is ${X0.rows} × ${X0.cols}, expected ${n1} × k (and a square problem)`);
    k0 = X0.cols;
  }
  const Atest = arrays.A_test, ytest = arrays.y_test;
  if ((Atest === undefined) !== (ytest === undefined)) throw new NpyFormatError(`${path}: A_test and y_test must be given together`);
  const r = arrays.r ? Math.round(Number(arrays.r.data[0])) : undefined;
  const data = {
    n1, n2, A: A.data, y, Mstar: Mstar?.data, r,
    Atest: Atest?.data, ytest: ytest ? vector(ytest, 'y_test', path) : undefined,
  };
  // with --threads, the file's operator rows are split over workers as a generated operator's would be
  const problem = await fromFile(path, () => (threads > 1 ? problemFromDataParallel(rt, data, { threads, memory }) : problemFromData(rt, data)));
  if (A.dtype === 'float64') notes.push('A is float64 in the file and is stored as float32 (pass float32 A, or expect ~1e-7 relative differences from a float64 reference)');
  const parts = [`loaded ${path}: ${n1}×${n2} (from ${from}), m = ${m}`];
  if (Mstar) parts.push('with M*');
  if (Atest) parts.push(`${Atest.shape[0]} test measurements`);
  if (problem.symmetric) parts.push('symmetric operator');
  return {
    problem, F0: F0?.data, G0: G0?.data, X0: X0?.data, k0,
    description: parts.join(', '),
    meta: { problem: { file: path, n1, n2, m, shapeFrom: from, symmetric: problem.symmetric } },
    notes,
  };
}

/**
 * Matrix-completion data: observed entries from a Matrix Market coordinate file, CSV triplets (0-based; the shape from
 * --n1/--n2 or the largest indices), or an .npz with rows, cols, vals (and test_rows, test_cols, test_vals). --symmetric
 * (or a symmetric .mtx) makes it symmetric completion; --r, when given, enables the sample-complexity warning.
 */
async function loadEntries(rt: Runtime, path: string, file: string, ext: string, v: V, threads: number, memory: PlacementOptions['memory'], arrays?: Record<string, NpyArray>): Promise<BuiltProblem> {
  const allowed = new Set(['symmetric', 'r']);
  const given = GENERATE_ONLY.filter((n) => v[n] !== undefined && !allowed.has(n));
  if (given.length) throw new UsageError(`--${given[0]} describes a generated problem and cannot be combined with --load`);
  const notes: string[] = [];
  let t: Triplets, test: Triplets | undefined;
  if (arrays) {
    const vec = (name: string) => {
      const a = arrays[name];
      if (!a) throw new NpyFormatError(`${path}: matrix-completion data needs the arrays rows, cols and vals; '${name}' is missing`);
      return Float64Array.from(vector(a, name, path)!);
    };
    t = { rows: vec('rows'), cols: vec('cols'), vals: vec('vals') };
    if (arrays.test_rows || arrays.test_cols || arrays.test_vals) test = { rows: vec('test_rows'), cols: vec('test_cols'), vals: vec('test_vals') };
    const known = new Set(['rows', 'cols', 'vals', 'test_rows', 'test_cols', 'test_vals', 'n1', 'n2']);
    const ignored = Object.keys(arrays).filter((k) => !known.has(k));
    if (ignored.length) notes.push(`ignored arrays in ${path}: ${ignored.join(', ')}`);
    if (arrays.n1) t.n1 = Number(arrays.n1.data[0]);
    if (arrays.n2) t.n2 = Number(arrays.n2.data[0]);
  } else {
    const text = await readFile(file, 'utf8');
    t = ext === '.mtx' ? parseMatrixMarket(text, path) : parseCsvTriplets(text, { name: path, n1: v.n1 as number | undefined, n2: v.n2 as number | undefined });
  }
  const maxOf = (a: Float64Array) => a.reduce((m, x) => Math.max(m, x), -1) + 1;
  const n1 = (v.n1 as number | undefined) ?? t.n1 ?? maxOf(t.rows), n2 = (v.n2 as number | undefined) ?? t.n2 ?? maxOf(t.cols);
  if (t.n1 !== undefined && (t.n1 !== n1 || t.n2 !== n2)) throw new UsageError(`--n1/--n2 say ${n1} × ${n2} but ${path} says ${t.n1} × ${t.n2}`);
  const symmetric = (v.symmetric as boolean | undefined) ?? t.symmetric ?? false;
  const problem = await fromFile(path, () => problemFromEntries(rt, { n1, n2, rows: t.rows, cols: t.cols, vals: t.vals, symmetric, r: v.r as number | undefined, test },
    threads > 1 ? { threads, memory } : {}));
  const parts = [`loaded ${path}: ${n1}×${n2}${symmetric ? ' symmetric' : ''}, ${problem.m} observed entries (${(100 * problem.m / (symmetric ? n1 * (n1 + 1) / 2 : n1 * n2)).toPrecision(3)} %)`];
  if (test) parts.push(`${test.rows.length} held-out entries`);
  return { problem, description: parts.join(', '), meta: { problem: { file: path, kind: 'completion', n1, n2, m: problem.m, symmetric } }, notes };
}
