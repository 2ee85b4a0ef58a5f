// One trial in-process: etaScale scales the method's own default step, diagnosticsEvery keeps the spectral
// diagnostics, and a refused combination is the trial's error, not a crash.
import { beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../src/index.js';
import { resolveKeep } from '../../src/sweeps/spec.js';
import { runTrial } from '../../src/sweeps/trial.js';

let rt: Runtime;
beforeAll(async () => { rt = await createRuntime({ simd: 'baseline' }); });

describe('runTrial', () => {
  const problem = { n1: 16, r: 2, m: 400, seed: 3 };
  const keep = resolveKeep({ thresholds: [1e-2], record: true, recordEvery: 10 });

  it('etaScale is the default step times the scale; diagnosticsEvery records the singular values and the phases', () => {
    const base = runTrial(rt, { problem, solver: { k: 4, alpha: 1e-6, maxIter: 300, tol: 0 } }, keep).result!;
    const half = runTrial(rt, { problem, solver: { k: 4, alpha: 1e-6, maxIter: 300, tol: 0, etaScale: 0.5, diagnosticsEvery: 10 } }, keep).result!;
    expect(base.eta).toBeGreaterThan(0);
    expect(half.eta).toBe(base.eta! * 0.5);
    expect(base.spectral).toBeUndefined();
    expect(half.spectral!.iter.slice(0, 3)).toEqual([0, 10, 20]);
    expect(half.spectral!.svProduct[0]).toHaveLength(4);
    expect(half.spectral!.phases.saddleEscapeEnd).toBeGreaterThan(0);
    expect(half.record!.imbalance!.length).toBe(half.record!.iter.length);
    // a smaller step learns later
    expect(half.itersTo[0]!).toBeGreaterThan(base.itersTo[0]!);
  });

  it('eta with etaScale, or a general operator on a general target, is the trial\'s error', () => {
    expect(runTrial(rt, { problem, solver: { eta: 0.1, etaScale: 0.5 } }, keep).error).toMatch(/give eta or etaScale, not both/);
    expect(runTrial(rt, { problem: { ...problem, generalOperator: true }, solver: {} }, keep).error).toMatch(/generalOperator applies to a symmetric target/);
    expect(runTrial(rt, { problem: { ...problem, r: 40 }, solver: {} }, keep).error).toMatch(/^ValidationError: r = 40 exceeds/);
  });
});
