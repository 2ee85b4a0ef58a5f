/**
 * The sweep spec's JSON Schema (draft 2020-12), shipped as `schema/sweep.schema.json` (a test keeps the file equal to
 * this object), and the small validator that applies it: the subset of JSON Schema the spec uses (type, properties,
 * required, additionalProperties: false, enum, minimum / exclusiveMinimum / maximum, items, minItems, maxItems,
 * anyOf, $ref into $defs). Every error names the path of the offending value, and an unknown key gets a did-you-mean.
 */
import { ValidationError } from '../errors.js';
import { didYouMean } from '../validate.js';

/** A JSON Schema node of the subset {@link validateAgainst} understands. */
export interface SchemaNode {
  $schema?: string;
  $id?: string;
  $ref?: string;
  $defs?: Record<string, SchemaNode>;
  title?: string;
  description?: string;
  type?: 'object' | 'array' | 'number' | 'integer' | 'string' | 'boolean';
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean | SchemaNode;
  enum?: (string | number | boolean)[];
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  items?: SchemaNode;
  minItems?: number;
  maxItems?: number;
  anyOf?: SchemaNode[];
}

/** A value, or a non-empty list of values: one axis of the grid. */
function axis(item: SchemaNode, description: string): SchemaNode {
  return { description, anyOf: [item, { type: 'array', items: item, minItems: 1, maxItems: 10_000 }] };
}
const posInt: SchemaNode = { type: 'integer', minimum: 1 };
const nonNegInt: SchemaNode = { type: 'integer', minimum: 0 };
const positive: SchemaNode = { type: 'number', exclusiveMinimum: 0 };
const nonNeg: SchemaNode = { type: 'number', minimum: 0 };

const problem: SchemaNode = {
  type: 'object',
  description: 'How each trial\'s problem is generated (createProblem options). Any field may be a list: one axis of the grid.',
  additionalProperties: false,
  required: ['n1', 'r'],
  properties: {
    operator: axis({ enum: ['gaussian', 'identity', 'completion', 'rank-one'] }, 'measurement operator (default gaussian)'),
    n1: axis(posInt, 'rows of M*'),
    n2: axis(posInt, 'columns of M* (default n1)'),
    r: axis(posInt, 'rank of M*'),
    m: axis(posInt, 'number of measurements (completion: observed entries)'),
    density: axis({ type: 'number', exclusiveMinimum: 0, maximum: 1 }, 'completion: observe each entry with this probability instead of m'),
    kappa: axis({ type: 'number', minimum: 1 }, 'condition number σ1/σr (default 1)'),
    spectrum: axis({ enum: ['linear', 'geometric'] }, 'how σ runs from 1 to 1/κ (default linear)'),
    symmetric: axis({ type: 'boolean' }, 'symmetric PSD target (the X Xᵀ model applies)'),
    noise: axis(nonNeg, 'standard deviation of Gaussian measurement noise (default 0)'),
    seed: axis(nonNegInt, 'seed of the problem\'s random draws (default 0); a list repeats every other point'),
    mTest: axis(nonNegInt, 'held-out test measurements (default 0)'),
    generalOperator: axis({ type: 'boolean' }, 'with symmetric: measure the PSD target with general (not symmetric) Gaussian matrices, as Xiong, Ding & Du — the X Xᵀ and F Gᵀ models then fit the same data (default false)'),
  },
};

const solver: SchemaNode = {
  type: 'object',
  description: 'How each trial is solved (solve options). Any field may be a list: one axis of the grid.',
  additionalProperties: false,
  properties: {
    method: axis({ type: 'string' }, 'a registered method (default gd; `matsense methods` lists them)'),
    model: axis({ enum: ['asymmetric', 'symmetric'] }, 'F Gᵀ or X Xᵀ (default: symmetric iff the problem is)'),
    k: axis(posInt, 'width of the factors (default r)'),
    init: axis({ enum: ['random', 'spectral'] }, 'initialization (default random)'),
    alpha: axis(positive, 'scale α of the random init (default 1e-3)'),
    beta: axis(positive, 'scale β of G0 (default α)'),
    initSeed: axis(nonNegInt, 'seed of the init draws (default 1)'),
    eta: axis(positive, 'step size (default: the method\'s)'),
    etaScale: axis(positive, 'the method\'s default step size times this (not with eta)'),
    diagnosticsEvery: axis(posInt, 'record the spectral diagnostics every this-many iterations: the singular values of the estimate and the phases (default: off)'),
    params: {
      type: 'object',
      description: 'the method\'s hyper-parameters by name (`matsense methods`); each a number or a list of numbers',
      additionalProperties: axis({ type: 'number' }, 'a hyper-parameter'),
    },
    precision: axis({ enum: ['mixed', 'f64', 'f32'] }, 'arithmetic of the operator passes (default mixed)'),
    maxIter: axis(posInt, 'maximum number of iterations (default 1000)'),
    tol: axis(nonNeg, 'stop when the relative residual ≤ tol (default 1e-10; 0: off)'),
    errorTol: axis(nonNeg, 'stop when the relative error ≤ errorTol (default 0: off)'),
  },
};

const trialOverride: SchemaNode = {
  type: 'object',
  additionalProperties: false,
  description: 'One entry of a list: fields that replace (or add to) the spec\'s problem and solver for this entry',
  properties: { problem: { ...problem, required: [] }, solver },
};

/** The sweep spec's JSON Schema. */
export const SWEEP_SCHEMA: SchemaNode = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://www.npmjs.com/package/matsense/schema/sweep.schema.json',
  title: 'matsense sweep spec',
  description:
    'A sweep: trials over problem and solver parameters. Every list-valued field is an axis; the trials are the ' +
    'Cartesian product of the axes — for each entry of `list` when it is given (a list of points instead of, or on ' +
    'top of, a grid). See docs/sweeps.md.',
  type: 'object',
  additionalProperties: false,
  required: ['problem'],
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string', description: 'a name for reports' },
    description: { type: 'string' },
    problem,
    solver,
    list: { type: 'array', minItems: 1, maxItems: 100_000, items: trialOverride, description: 'points: each is merged over problem and solver, then its own axes expand' },
    keep: {
      type: 'object',
      additionalProperties: false,
      description: 'what each trial keeps',
      properties: {
        thresholds: { type: 'array', items: positive, maxItems: 32, description: 'record the first iteration at which the relative error is ≤ each (default [1e-3, 1e-6])' },
        success: { ...positive, description: 'a trial succeeds when its final relative error is ≤ this (default 1e-3): the phase-transition statistic' },
        record: { type: 'boolean', description: 'keep the per-iteration record (relative error and residual) too (default false)' },
        recordEvery: { ...posInt, description: 'with record: keep every this-many iterations (default 10)' },
      },
    },
    maxTrials: { ...posInt, description: 'refuse a spec that expands to more trials than this (default 1 000 000)' },
  },
};

/** The JSON value's type in the schema's words. */
function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(node: SchemaNode, v: unknown): boolean {
  if (node.type === undefined) return node.enum ? node.enum.includes(v as string) || typeof v === typeof node.enum[0] : true;
  const t = typeOf(v);
  return node.type === t || (node.type === 'number' && t === 'integer');
}

function describe(node: SchemaNode, root: SchemaNode): string {
  const n = resolve(node, root);
  if (n.enum) return `one of ${n.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  if (n.anyOf) return n.anyOf.map((b) => describe(b, root)).join(', or ');
  if (n.type === 'array') return `a list of ${n.items ? describe(n.items, root) : 'values'}`;
  const bounds: string[] = [];
  if (n.minimum !== undefined) bounds.push(`≥ ${n.minimum}`);
  if (n.exclusiveMinimum !== undefined) bounds.push(`> ${n.exclusiveMinimum}`);
  if (n.maximum !== undefined) bounds.push(`≤ ${n.maximum}`);
  const what = n.type === 'integer' ? 'an integer' : n.type === 'number' ? 'a number' : n.type === 'object' ? 'an object' : `a ${n.type ?? 'value'}`;
  return bounds.length ? `${what} ${bounds.join(' and ')}` : what;
}

function resolve(node: SchemaNode, root: SchemaNode): SchemaNode {
  if (!node.$ref) return node;
  const m = /^#\/\$defs\/(.+)$/.exec(node.$ref);
  const target = m ? root.$defs?.[m[1]!] : undefined;
  if (!target) throw new Error(`schema: unresolved $ref ${node.$ref}`);
  return target;
}

/**
 * Check `value` against `schema`; throws a {@link ValidationError} naming the first offending path (`where` is the
 * root's name, e.g. the spec file).
 */
export function validateAgainst(value: unknown, schema: SchemaNode, where: string, root: SchemaNode = schema): void {
  const n = resolve(schema, root);
  const fail = (msg: string): never => { throw new ValidationError(`${where}: ${msg}`); };
  if (n.anyOf) {
    // the branch of the value's type decides the message: a list is checked as a list, a scalar as a scalar
    const branches = n.anyOf.map((b) => resolve(b, root));
    const same = branches.filter((b) => typeMatches(b, value));
    if (same.length === 0) fail(`must be ${describe(n, root)}, got ${JSON.stringify(value)}`);
    let first: unknown;
    for (const b of same) {
      try { validateAgainst(value, b, where, root); return; } catch (e) { first ??= e; }
    }
    throw first;
  }
  if (n.enum && !n.enum.includes(value as string)) fail(`must be ${describe(n, root)}, got ${JSON.stringify(value)}`);
  if (n.type !== undefined && !typeMatches(n, value)) fail(`must be ${describe(n, root)}, got ${JSON.stringify(value)}`);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(`must be finite, got ${value}`);
    if ((n.minimum !== undefined && value < n.minimum) || (n.exclusiveMinimum !== undefined && value <= n.exclusiveMinimum) ||
      (n.maximum !== undefined && value > n.maximum)) fail(`must be ${describe(n, root)}, got ${value}`);
  }
  if (Array.isArray(value)) {
    if (n.minItems !== undefined && value.length < n.minItems) fail(`must have at least ${n.minItems} item${n.minItems === 1 ? '' : 's'}`);
    if (n.maxItems !== undefined && value.length > n.maxItems) fail(`must have at most ${n.maxItems} items, got ${value.length}`);
    if (n.items) value.forEach((v, i) => validateAgainst(v, n.items!, `${where}[${i}]`, root));
  }
  if (n.type === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of n.required ?? []) if (!(key in obj)) fail(`'${key}' is required (${n.properties?.[key] ? describe(n.properties[key]!, root) : 'a value'})`);
    const known = Object.keys(n.properties ?? {});
    for (const [key, v] of Object.entries(obj)) {
      const prop = n.properties?.[key];
      if (prop) { validateAgainst(v, prop, `${where}.${key}`, root); continue; }
      if (n.additionalProperties === false) {
        const near = didYouMean(key, known);
        fail(`unknown key '${key}'${near ? ` — did you mean '${near}'?` : ''} (known: ${known.join(', ')})`);
      }
      if (typeof n.additionalProperties === 'object') validateAgainst(v, n.additionalProperties, `${where}.${key}`, root);
    }
  }
}
