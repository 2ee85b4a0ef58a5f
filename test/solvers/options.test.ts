// Options are checked strictly: an unknown key at any level is a ValidationError naming it (with a did-you-mean),
// never a run of the defaults; random option objects give a run or a specific error, never anything else.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  MatsenseError, ValidationError, createProblem, createProblemParallel, createRuntime, createSolver, problemFromData, problemFromEntries,
  solve, solveBatch, solveSync, type Problem, type Runtime,
} from '../../src/index.js';
import { didYouMean } from '../../src/validate.js';

let rt: Runtime;
let p: Problem;
beforeAll(async () => {
  rt = await createRuntime();
  p = createProblem(rt, { n1: 6, n2: 5, r: 1, m: 60, seed: 1 });
});

describe('unknown option keys are errors, at every level', () => {
  it.each([
    [{ k: 2, maxIters: 3 }, /solver options: unknown option 'maxIters' — did you mean 'maxIter'\?/],
    [{ k: 2, lr: 5 }, /solver options: unknown option 'lr'/],
    [{ k: 2, init: { alhpa: 1e-3 } }, /init: unknown option 'alhpa' — did you mean 'alpha'\?/],
    [{ k: 2, tolerance: 1e-3 }, /unknown option 'tolerance'/],
    [{ k: 2, method: 'gd', params: { etta: 0.1 } }, /method 'gd' has no parameter 'etta'/],
  ])('solve %j', (opts, msg) => {
    expect(() => solveSync(rt, p, opts as never)).toThrow(ValidationError);
    expect(() => solveSync(rt, p, opts as never)).toThrow(msg);
    expect(() => createSolver(rt, p, opts as never)).toThrow(msg);
  });

  it('batch options and each trajectory', () => {
    expect(() => solveBatch(rt, p, { k: 2, maxIter: 2, trajectories: [{}], maxiter: 5 } as never)).toThrow(/batch options: unknown option 'maxiter' — did you mean 'maxIter'/);
    expect(() => solveBatch(rt, p, { k: 2, trajectories: [{ init: { alpha: 1 } }, { alpah: 2 }] } as never)).toThrow(/trajectories\[1\]: unknown option 'alpah'/);
    expect(() => solveBatch(rt, p, { k: 2, trajectories: [{ maxIter: 5 }] } as never)).toThrow(/trajectories\[0\]: unknown option 'maxIter'/);
  });

  it('problems, data, entries, runtimes, placements', async () => {
    expect(() => createProblem(rt, { n1: 4, r: 1, m: 10, sed: 3 } as never)).toThrow(/problem options: unknown option 'sed' — did you mean 'seed'/);
    await expect(createProblemParallel(rt, { n1: 4, r: 1, m: 10, thread: 2 } as never)).rejects.toThrow(/unknown option 'thread' — did you mean 'threads'/);
    expect(() => problemFromData(rt, { n1: 2, n2: 2, A: new Float64Array(8), y: new Float64Array(2), Mstr: new Float64Array(4) } as never)).toThrow(/unknown option 'Mstr' — did you mean 'Mstar'/);
    await expect(problemFromEntries(rt, { n1: 2, n2: 2, rows: [0], cols: [0], vals: [1], tests: {} } as never)).rejects.toThrow(/entry data: unknown option 'tests' — did you mean 'test'/);
    await expect(problemFromEntries(rt, { n1: 2, n2: 2, rows: [0], cols: [0], vals: [1] }, { threds: 2 } as never)).rejects.toThrow(/placement options: unknown option 'threds'/);
    await expect(createRuntime({ share: true } as never)).rejects.toThrow(/runtime options: unknown option 'share' — did you mean 'shared'/);
  });

  it('a signal that is not an AbortSignal, and a null problem, are ValidationErrors', async () => {
    await expect(solve(rt, p, { k: 2, signal: {} as never })).rejects.toThrow(/signal must be an AbortSignal/);
    expect(() => solveSync(rt, null as never, { k: 2 })).toThrow(ValidationError);
    const s = createSolver(rt, p, { k: 2, maxIter: 1 });
    await expect(s.iterate({ signal: 5 as never }).next()).rejects.toThrow(/signal must be an AbortSignal/);
    s.dispose();
  });

  it('didYouMean only suggests near names', () => {
    expect(didYouMean('maxIters', ['maxIter', 'tol'])).toBe('maxIter');
    expect(didYouMean('zzz', ['maxIter', 'tol'])).toBeUndefined();
  });
});

describe('property: random option objects give a run or a specific error', () => {
  const value = fc.oneof(fc.integer({ min: -3, max: 2000 }), fc.double(), fc.constantFrom('gd', 'agn', 'scaledgd', 'nope', 'f32', 'mixed', 'symmetric'), fc.boolean(), fc.constant(null), fc.constant(undefined));
  const keys = ['k', 'method', 'eta', 'maxIter', 'tol', 'errorTol', 'precision', 'model', 'diagnosticsEvery', 'divergenceFactor', 'maxIters', 'alpha'];
  const options = fc.record({
    k: fc.oneof(fc.integer({ min: -1, max: 8 }), value),
    extra: fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 4 }),
    init: fc.option(fc.dictionary(fc.constantFrom('alpha', 'seed', 'kind', 'alhpa', 'normalizer'), value, { maxKeys: 3 }), { nil: undefined }),
  });
  it('solveSync never throws anything but a MatsenseError, and never hangs', () => {
    fc.assert(fc.property(options, ({ k, extra, init }) => {
      const o: Record<string, unknown> = { ...extra, k, ...(init ? { init } : {}) };
      // keep runs short whatever maxIter the generator picked
      if (typeof o.maxIter === 'number' && o.maxIter > 50) o.maxIter = 50;
      if (o.maxIter === undefined || o.maxIter === null) o.maxIter = 20; // null, like undefined, means the default (1000)
      try {
        const res = solveSync(rt, p, o as never);
        expect(res.iterations).toBeLessThanOrEqual(50);
      } catch (e) {
        if (!(e instanceof MatsenseError)) throw e;
      }
    }), { numRuns: 300 });
  });
});
