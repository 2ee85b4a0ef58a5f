// The public surface: the registry's contents are pinned (adding a method means one file, one registry line and
// one test row), and every registered method declares what the CLI, the demo and the docs enumerate.
import { describe, expect, it } from 'vitest';
import * as matsense from '../src/index.js';
import { METHODS, OPERATORS, getMethod, validateParams } from '../src/registry.js';

describe('registry', () => {
  it('pins the registered methods and operators', () => {
    expect(Object.keys(METHODS).sort()).toEqual(['agn', 'gd', 'gd-rebalance', 'precgd', 'scaledgd', 'scaledgd-lambda']);
    expect([...OPERATORS]).toEqual(['gaussian', 'identity']);
  });
  it.each(Object.values(METHODS).map((m) => [m.name, m] as const))('%s declares a summary, models and documented params', (_n, m) => {
    expect(m.summary.length).toBeGreaterThan(10);
    expect(m.models.length).toBeGreaterThan(0);
    for (const p of m.params) {
      expect(p.name).toMatch(/^[a-zA-Z][a-zA-Z0-9]*$/);
      expect(p.doc.length).toBeGreaterThan(5);
    }
    expect(getMethod(m.name)).toBe(m);
  });
  it('unknown methods and parameters are named in the error', () => {
    expect(() => getMethod('sgd')).toThrow(/unknown method 'sgd'; available: .*gd/);
    expect(() => validateParams(getMethod('gd'), { eta: 'big' })).toThrow(/eta must be a finite number/);
  });
});

describe('entry point', () => {
  it('exports the documented API', () => {
    for (const name of ['createRuntime', 'createProblem', 'problemFromData', 'solve', 'solveSync', 'createSolver', 'Solver',
      'DenseOperator', 'IdentityOperator', 'MeasurementOperator', 'chain', 'scale', 'gd', 'METHODS',
      'ValidationError', 'OutOfMemoryError', 'StateError', 'KernelLoadError', 'MatsenseError']) {
      expect(matsense, name).toHaveProperty(name);
    }
  });
  it('every error class derives from MatsenseError', () => {
    for (const E of [matsense.ValidationError, matsense.OutOfMemoryError, matsense.StateError, matsense.KernelLoadError, matsense.AbortError]) {
      expect(E.prototype).toBeInstanceOf(matsense.MatsenseError);
    }
  });
});
