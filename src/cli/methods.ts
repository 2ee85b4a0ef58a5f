/**
 * The CLI's view of the method registry: every hyper-parameter of every registered method becomes a `solve`
 * flag (`--eta`, `--lambda`, …; camelCase names are also accepted in kebab-case), with its doc line from the
 * registry, so a newly registered method needs no CLI change.
 */
import { METHODS } from '../registry.js';
import type { MethodConfig } from '../methods/types.js';
import { kebab, UsageError, type OptSpec, type OptValue } from './args.js';

/** All registered methods, in registration order. */
export function methodList(): MethodConfig[] {
  return Object.values(METHODS);
}

/** One flag per distinct parameter name across the registry; the doc lists which methods take it. */
export function methodParamSpecs(): OptSpec[] {
  const seen = new Map<string, { spec: OptSpec; methods: string[] }>();
  for (const m of methodList()) {
    for (const p of m.params) {
      const flag = kebab(p.name);
      const e = seen.get(flag);
      if (e) { e.methods.push(m.name); continue; }
      seen.set(flag, {
        methods: [m.name],
        spec: {
          name: flag, type: p.integer ? 'int' : 'number', doc: p.doc, group: 'Method hyper-parameters (from the registry)',
          aliases: flag !== p.name ? [p.name] : undefined,
        },
      });
    }
  }
  return [...seen.values()].map(({ spec, methods }) => ({ ...spec, doc: `${spec.doc} [${methods.join(', ')}]` }));
}

/** The parameter values given on the command line for `method`; a flag the method does not take is a usage error. */
export function paramsFor(method: MethodConfig, values: Record<string, OptValue>): Record<string, number> {
  const own = new Map(method.params.map((p) => [kebab(p.name), p.name]));
  const out: Record<string, number> = {};
  for (const spec of methodParamSpecs()) {
    const v = values[spec.name];
    if (v === undefined) continue;
    const name = own.get(spec.name);
    if (!name) {
      throw new UsageError(`method '${method.name}' has no parameter --${spec.name}; it takes: ${method.params.map((p) => `--${kebab(p.name)}`).join(', ') || 'none'}`);
    }
    out[name] = v as number;
  }
  return out;
}

/** `matsense methods` text: name, models, summary and every parameter with its doc. */
export function describeMethods(): string {
  const lines: string[] = [];
  for (const m of methodList()) {
    lines.push(`${m.name}  (models: ${m.models.join(', ')})`);
    lines.push(`  ${m.summary}`);
    for (const p of m.params) {
      const bounds: string[] = [];
      if (p.min !== undefined) bounds.push(`${p.exclusiveMin ? '>' : '≥'} ${p.min}`);
      if (p.max !== undefined) bounds.push(`≤ ${p.max}`);
      if (p.integer) bounds.push('integer');
      lines.push(`    --${kebab(p.name)}  ${p.doc}${bounds.length ? ` [${bounds.join(', ')}]` : ''}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** Throw a clear error when an experiment needs methods that this build does not register. */
export function requireMethods(what: string, names: readonly string[]): void {
  const missing = names.filter((n) => !Object.prototype.hasOwnProperty.call(METHODS, n));
  if (missing.length) {
    throw new MissingMethodError(
      `${what} needs method${missing.length > 1 ? 's' : ''} ${missing.map((n) => `'${n}'`).join(', ')}, not registered in this build ` +
        `(registered: ${Object.keys(METHODS).join(', ')})`,
    );
  }
}

/** An experiment or command needs a method that is not registered (exit code 1). */
export class MissingMethodError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingMethodError';
  }
}
