/**
 * The one place where methods and operators are registered. The CLI flags, the demo's menus and the conformance
 * test suites enumerate these lists; `test/api.test.ts` pins their contents.
 */
import { ValidationError } from './errors.js';
import { agnMethod } from './methods/agn.js';
import { gdMethod } from './methods/gd.js';
import { gdRebalanceMethod } from './methods/gd-rebalance.js';
import { precGdMethod } from './methods/precgd.js';
import { scaledGdMethod } from './methods/scaledgd.js';
import { scaledGdLambdaMethod } from './methods/scaledgd-lambda.js';
import type { MethodConfig, ParamSpec } from './methods/types.js';

/** Every registered method, by name. */
export const METHODS: Readonly<Record<string, MethodConfig>> = Object.freeze({
  [gdMethod.name]: gdMethod,
  [gdRebalanceMethod.name]: gdRebalanceMethod,
  [scaledGdMethod.name]: scaledGdMethod,
  [scaledGdLambdaMethod.name]: scaledGdLambdaMethod,
  [precGdMethod.name]: precGdMethod,
  [agnMethod.name]: agnMethod,
});

/** Operators a generated problem can use. */
export const OPERATORS = Object.freeze(['gaussian', 'identity'] as const);

/** Look a method up by name. */
export function getMethod(name: string): MethodConfig {
  const m = Object.prototype.hasOwnProperty.call(METHODS, name) ? METHODS[name] : undefined;
  if (!m) throw new ValidationError(`unknown method '${name}'; available: ${Object.keys(METHODS).join(', ')}`);
  return m;
}

/** Validate user hyper-parameters against a method's specs (unknown names, NaN, bounds). */
export function validateParams(method: MethodConfig, params: Record<string, unknown>): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {};
  const known = new Map<string, ParamSpec>(method.params.map((p) => [p.name, p]));
  for (const [name, v] of Object.entries(params)) {
    if (v === undefined) continue;
    const spec = known.get(name);
    if (!spec) throw new ValidationError(`method '${method.name}' has no parameter '${name}'; it takes: ${[...known.keys()].join(', ') || 'none'}`);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValidationError(`${method.name}: ${name} must be a finite number, got ${String(v)}`);
    if (spec.integer && !Number.isInteger(v)) throw new ValidationError(`${method.name}: ${name} must be an integer, got ${v}`);
    if (spec.min !== undefined && (spec.exclusiveMin ? v <= spec.min : v < spec.min)) {
      throw new ValidationError(`${method.name}: ${name} must be ${spec.exclusiveMin ? '>' : '≥'} ${spec.min}, got ${v}`);
    }
    if (spec.max !== undefined && v > spec.max) throw new ValidationError(`${method.name}: ${name} must be ≤ ${spec.max}, got ${v}`);
    out[name] = v;
  }
  return out;
}
