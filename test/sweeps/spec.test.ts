// Sweep specs: the shipped JSON Schema is the one the validator applies (and a valid draft 2020-12 schema that Ajv
// agrees with on random specs); errors name the path; the expansion is the product of the axes, keyed by content.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { SWEEP_SCHEMA } from '../../src/sweeps/schema.js';
import { parseSweepSpec, planSweep, type SweepSpec } from '../../src/sweeps/spec.js';

const BASE: SweepSpec = {
  name: 't', problem: { n1: 10, r: [1, 2], m: [50, 80, 120], seed: [0, 1] },
  solver: { method: 'gd', k: 4, alpha: [1e-3, 1e-5], maxIter: 200 },
};

describe('sweep spec', () => {
  it('schema/sweep.schema.json is the schema the validator applies (npm run schema rewrites it)', () => {
    const file = JSON.parse(readFileSync(new URL('../../schema/sweep.schema.json', import.meta.url), 'utf8'));
    expect(file).toEqual(JSON.parse(JSON.stringify(SWEEP_SCHEMA)));
  });

  it('every example in sweeps/ is valid', () => {
    for (const name of ['phase-transition', 'alpha-sweep', 'methods-kappa', 'scaledgd-lambda']) {
      const text = readFileSync(new URL(`../../sweeps/${name}.json`, import.meta.url), 'utf8');
      expect(() => parseSweepSpec(text, name)).not.toThrow();
    }
  });

  it('errors name the path, the expectation and, for a misspelt key, the key meant', () => {
    const bad = (spec: unknown) => { try { parseSweepSpec(spec, 'spec.json'); } catch (e) { expect(e).toBeInstanceOf(ValidationError); return (e as Error).message; } return 'no error'; };
    expect(bad('{"problem": ')).toMatch(/^spec.json: not valid JSON/);
    expect(bad({ problem: { n1: 10, r: 2 }, solver: { maxIters: 5 } })).toMatch(/spec.json.solver: unknown key 'maxIters' — did you mean 'maxIter'\?/);
    expect(bad({ problem: { n1: 10, r: [1, 0] } })).toBe('spec.json.problem.r[1]: must be an integer ≥ 1, got 0');
    expect(bad({ problem: { n1: 10, r: [] } })).toBe('spec.json.problem.r: must have at least 1 item');
    expect(bad({ problem: { n1: 10, r: 2, operator: 'sparse' } })).toMatch(/problem.operator: must be one of "gaussian", "identity", "completion", "rank-one", got "sparse"/);
    expect(bad({ problem: { n1: 10 } })).toBe("spec.json.problem: 'r' is required (an integer ≥ 1, or a list of an integer ≥ 1)");
    expect(bad({ problem: { n1: 10, r: 2 }, solver: { params: { lambda: 'x' } } })).toMatch(/solver.params.lambda: must be a number, or a list of a number/);
    expect(bad({ problem: { n1: 10, r: 2, density: 1.5 } })).toMatch(/problem.density: must be a number > 0 and ≤ 1, got 1.5/);
    expect(bad({ problem: { n1: 10, r: 2 }, keep: { thresholds: [0] } })).toMatch(/keep.thresholds\[0\]: must be a number > 0/);
  });

  it('Ajv (draft 2020-12) compiles the schema and agrees with the validator on random specs', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: false });
    const check = ajv.compile(SWEEP_SCHEMA);
    // boundary values (0, 1) often: the bounds are where a validator goes wrong
    const scalar = fc.oneof(fc.integer({ min: -2, max: 300 }), fc.double({ min: -1, max: 2, noNaN: true }), fc.constantFrom(0, 1, 0.5, 1e-3), fc.constantFrom('gd', 'gaussian', 'mixed', 'x', true));
    const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }));
    // a valid spec with one or two fields set to random values: validity then hinges on those values
    const field = fc.constantFrom(
      ...['n1', 'n2', 'r', 'm', 'density', 'kappa', 'noise', 'seed', 'operator', 'symmetric', 'nn1'].map((k) => ['problem', k] as const),
      ...['method', 'k', 'alpha', 'beta', 'eta', 'maxIter', 'tol', 'precision', 'init', 'maxiter'].map((k) => ['solver', k] as const),
      ['keep', 'thresholds'] as const, ['keep', 'success'] as const, ['keep', 'recordEvery'] as const,
    );
    const spec = fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 2 }).map((sets) => {
      const s: Record<string, Record<string, unknown>> = { problem: { n1: 10, r: 2, m: 80 }, solver: { k: 4 }, keep: {} };
      for (const [[group, key], v] of sets) s[group]![key] = v;
      return s;
    });
    let valid = 0;
    fc.assert(fc.property(spec, (s) => {
      const ours = (() => { try { parseSweepSpec(JSON.parse(JSON.stringify(s))); return true; } catch (e) { expect(e).toBeInstanceOf(ValidationError); return false; } })();
      const theirs = check(JSON.parse(JSON.stringify(s)));
      expect(ours, JSON.stringify({ s, errors: check.errors })).toBe(theirs);
      if (ours) valid++;
    }), { numRuns: 400 });
    expect(valid).toBeGreaterThan(10); // the generator reaches both answers
  });

  it('expands to the product of the axes, the last field varying fastest; params and lists too; duplicates once', () => {
    const plan = planSweep(parseSweepSpec(BASE), '1.0.0');
    expect(plan.trials).toHaveLength(2 * 3 * 2 * 2);
    expect(plan.axes).toEqual(['problem.r', 'problem.m', 'problem.seed', 'solver.alpha']);
    expect(plan.trials.slice(0, 3).map((t) => [t.problem.r, t.problem.m, t.problem.seed, t.solver.alpha])).toEqual([[1, 50, 0, 1e-3], [1, 50, 0, 1e-5], [1, 50, 1, 1e-3]]);
    expect(new Set(plan.trials.map((t) => t.key)).size).toBe(plan.trials.length);
    const listed = planSweep(parseSweepSpec({
      problem: { n1: 10, r: 2, m: 80 }, solver: { method: 'scaledgd-lambda', params: { lambda: [1e-3, 1e-2] } },
      list: [{ solver: { k: 2 } }, { solver: { k: 4 } }, { solver: { k: 2 } }],
    }), '1.0.0');
    expect(listed.trials.map((t) => [t.solver.k, (t.solver.params as { lambda: number }).lambda])).toEqual([[2, 1e-3], [2, 1e-2], [4, 1e-3], [4, 1e-2]]);
    expect(listed.axes).toEqual(['solver.k', 'solver.params.lambda']);
  });

  it('keys depend on the parameters, what is kept and the version — not on the order the spec writes them in', () => {
    const a = planSweep(parseSweepSpec({ problem: { n1: 10, r: 2, m: 80 }, solver: { k: 4, alpha: 1e-3 } }), '1.0.0').trials[0]!.key;
    const b = planSweep(parseSweepSpec({ solver: { alpha: 1e-3, k: 4 }, problem: { m: 80, r: 2, n1: 10 } }), '1.0.0').trials[0]!.key;
    const c = planSweep(parseSweepSpec({ problem: { n1: 10, r: 2, m: 80 }, solver: { k: 4, alpha: 1e-3 } }), '1.0.1').trials[0]!.key;
    const d = planSweep(parseSweepSpec({ problem: { n1: 10, r: 2, m: 80 }, solver: { k: 4, alpha: 1e-3 }, keep: { record: true } }), '1.0.0').trials[0]!.key;
    const e = planSweep(parseSweepSpec({ problem: { n1: 10, r: 2, m: 81 }, solver: { k: 4, alpha: 1e-3 } }), '1.0.0').trials[0]!.key;
    expect(a).toMatch(/^t[0-9a-f]{32}$/);
    expect(b).toBe(a);
    expect(new Set([a, c, d, e]).size).toBe(4);
  });

  it('a spec that expands past maxTrials is refused before anything is built', () => {
    const huge = { problem: { n1: 10, r: 2, m: Array.from({ length: 1000 }, (_, i) => i + 1), seed: Array.from({ length: 1000 }, (_, i) => i) }, solver: { alpha: Array.from({ length: 10 }, (_, i) => 10 ** -(i + 1)) } };
    const t0 = performance.now();
    expect(() => planSweep(parseSweepSpec(huge), '1')).toThrow(/expands to 10000000 trials, more than maxTrials = 1000000/);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(() => planSweep(parseSweepSpec({ ...huge, problem: { n1: 10, r: 2, m: [1, 2, 3] }, maxTrials: 20 }), '1')).toThrow(/expands to 30 trials, more than maxTrials = 20/);
  });
});
