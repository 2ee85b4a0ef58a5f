/**
 * Sweep specs (docs/sweeps.md): parse and validate a spec against its JSON Schema, expand it into trials (the
 * Cartesian product of its list-valued fields, for each point of `list`), and key each trial by a content hash of
 * its parameters, what it keeps and the package version — the key under which its result is stored and its job id
 * on a queue, so that a finished trial is never run twice.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.js';
import { SWEEP_SCHEMA, validateAgainst } from './schema.js';

type Scalar = number | string | boolean;
type Axis<T extends Scalar> = T | T[];

/** Problem parameters (createProblem's options); a list is an axis. */
export interface SweepProblem {
  operator?: Axis<'gaussian' | 'identity' | 'completion' | 'rank-one'>;
  n1: Axis<number>;
  n2?: Axis<number>;
  r: Axis<number>;
  m?: Axis<number>;
  density?: Axis<number>;
  kappa?: Axis<number>;
  spectrum?: Axis<'linear' | 'geometric'>;
  symmetric?: Axis<boolean>;
  noise?: Axis<number>;
  seed?: Axis<number>;
  mTest?: Axis<number>;
  /** With symmetric: a general (not symmetric) Gaussian operator. */
  generalOperator?: Axis<boolean>;
}

/** Solver parameters; a list is an axis. */
export interface SweepSolver {
  method?: Axis<string>;
  model?: Axis<'asymmetric' | 'symmetric'>;
  k?: Axis<number>;
  init?: Axis<'random' | 'spectral'>;
  alpha?: Axis<number>;
  beta?: Axis<number>;
  initSeed?: Axis<number>;
  eta?: Axis<number>;
  /** The method's default step size times this. */
  etaScale?: Axis<number>;
  /** Spectral diagnostics every this-many iterations. */
  diagnosticsEvery?: Axis<number>;
  params?: Record<string, Axis<number>>;
  precision?: Axis<'mixed' | 'f64' | 'f32'>;
  maxIter?: Axis<number>;
  tol?: Axis<number>;
  errorTol?: Axis<number>;
}

/** What each trial keeps. */
export interface SweepKeep {
  /** First iteration at which the relative error is ≤ each threshold. Default [1e-3, 1e-6]. */
  thresholds?: number[];
  /** Success: final relative error ≤ this. Default 1e-3. */
  success?: number;
  /** Keep the per-iteration record. Default false. */
  record?: boolean;
  /** With `record`: every this-many iterations. Default 10. */
  recordEvery?: number;
}

/** A sweep spec (the JSON file), as validated by {@link parseSweepSpec}. */
export interface SweepSpec {
  $schema?: string;
  name?: string;
  description?: string;
  problem: SweepProblem;
  solver?: SweepSolver;
  list?: { problem?: Partial<SweepProblem>; solver?: SweepSolver }[];
  keep?: SweepKeep;
  maxTrials?: number;
}

/** One trial: concrete problem and solver parameters (only the fields the spec sets; the library fills defaults). */
export interface Trial {
  problem: Record<string, Scalar>;
  solver: Record<string, Scalar | Record<string, number>>;
}

/** What every trial of a spec keeps, with defaults filled. */
export type ResolvedKeep = Required<SweepKeep>;

/** A trial with its key and position. */
export interface KeyedTrial extends Trial {
  /** Content hash of the trial, what it keeps and the package version. */
  key: string;
  /** Position in the spec's expansion (for reports; not part of the key). */
  index: number;
}

/** The expanded spec. */
export interface SweepPlan {
  spec: SweepSpec;
  keep: ResolvedKeep;
  trials: KeyedTrial[];
  /** The fields that take more than one value across the trials (the axes of the reports), as `problem.m`, `solver.alpha`, … */
  axes: string[];
  version: string;
}

/** Parse a spec's JSON text (or take an object) and validate it; `where` names it in errors (e.g. the file). */
export function parseSweepSpec(json: string | unknown, where = 'sweep spec'): SweepSpec {
  let value: unknown = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw new ValidationError(`${where}: not valid JSON (${(e as Error).message})`);
    }
  }
  validateAgainst(value, SWEEP_SCHEMA, where);
  return value as SweepSpec;
}

export function resolveKeep(keep: SweepKeep | undefined): ResolvedKeep {
  return { thresholds: keep?.thresholds ?? [1e-3, 1e-6], success: keep?.success ?? 1e-3, record: keep?.record ?? false, recordEvery: keep?.recordEvery ?? 10 };
}

/** JSON with sorted keys: the same parameters give the same text, whatever order the spec wrote them in. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The trial's key: `t` + 32 hex digits of SHA-256 over its canonical parameters, what it keeps and the version. */
export function trialKey(trial: Trial, keep: ResolvedKeep, version: string): string {
  const h = createHash('sha256').update(canonicalJson({ v: version, problem: trial.problem, solver: trial.solver, keep })).digest('hex');
  return `t${h.slice(0, 32)}`;
}

/** Expand `fields` (some list-valued) into every combination, in the spec's key order (the last key varies fastest). */
function product(fields: Record<string, Axis<Scalar>>): Record<string, Scalar>[] {
  let out: Record<string, Scalar>[] = [{}];
  for (const [key, v] of Object.entries(fields)) {
    const values = Array.isArray(v) ? v : [v];
    const next: Record<string, Scalar>[] = [];
    for (const o of out) for (const x of values) next.push({ ...o, [key]: x });
    out = next;
  }
  return out;
}

/** Flatten solver.params into `params.NAME` fields (so that they can be axes too), and back. */
function flattenSolver(s: SweepSolver | undefined): Record<string, Axis<Scalar>> {
  const out: Record<string, Axis<Scalar>> = {};
  for (const [k, v] of Object.entries(s ?? {})) {
    if (k === 'params') for (const [p, pv] of Object.entries(v as Record<string, Axis<number>>)) out[`params.${p}`] = pv;
    else out[k] = v as Axis<Scalar>;
  }
  return out;
}
function unflattenSolver(s: Record<string, Scalar>): Trial['solver'] {
  const out: Trial['solver'] = {};
  const params: Record<string, number> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k.startsWith('params.')) params[k.slice(7)] = v as number;
    else out[k] = v;
  }
  if (Object.keys(params).length) out.params = params;
  return out;
}

/**
 * Expand a validated spec into its trials, keyed. Throws a ValidationError when the expansion exceeds `maxTrials`
 * (default 1 000 000) — counted before anything is built — or when a point lacks a required problem field.
 */
export function planSweep(spec: SweepSpec, version: string, where = 'sweep spec'): SweepPlan {
  const keep = resolveKeep(spec.keep);
  const points = spec.list ?? [{}];
  const limit = spec.maxTrials ?? 1_000_000;
  const count = (f: Record<string, unknown>) => Object.values(f).reduce<number>((n, v) => n * (Array.isArray(v) ? v.length : 1), 1);
  let total = 0;
  const merged = points.map((pt) => {
    const problem = { ...spec.problem, ...pt.problem } as Record<string, Axis<Scalar>>;
    const solver = { ...flattenSolver(spec.solver), ...flattenSolver(pt.solver) };
    total += count(problem) * count(solver);
    return { problem, solver };
  });
  if (total > limit) throw new ValidationError(`${where}: expands to ${total} trials, more than maxTrials = ${limit} (raise maxTrials to run it)`);
  const trials: KeyedTrial[] = [];
  const seen = new Set<string>();
  for (const { problem, solver } of merged) {
    for (const p of product(problem)) {
      for (const s of product(solver)) {
        const trial: Trial = { problem: p, solver: unflattenSolver(s) };
        const key = trialKey(trial, keep, version);
        if (seen.has(key)) continue; // the same point listed twice runs once
        seen.add(key);
        trials.push({ ...trial, key, index: trials.length });
      }
    }
  }
  // an axis: a field that takes more than one value across the trials (unset counts as a value)
  const names = new Set<string>();
  for (const t of trials) {
    for (const k of Object.keys(t.problem)) names.add(`problem.${k}`);
    for (const [k, v] of Object.entries(t.solver)) {
      if (k === 'params') for (const p of Object.keys(v as Record<string, number>)) names.add(`solver.params.${p}`);
      else names.add(`solver.${k}`);
    }
  }
  const axes = [...names].filter((name) => new Set(trials.map((t) => JSON.stringify(fieldOf(t, name) ?? null))).size > 1);
  return { spec, keep, trials, axes, version };
}

/** A trial's field by its dotted name (`problem.m`, `solver.params.lambda`). */
export function fieldOf(t: Trial, name: string): Scalar | undefined {
  const [group, ...rest] = name.split('.');
  if (group === 'problem') return t.problem[rest.join('.')];
  if (rest[0] === 'params') return (t.solver.params as Record<string, number> | undefined)?.[rest[1]!];
  return t.solver[rest[0]!] as Scalar | undefined;
}
