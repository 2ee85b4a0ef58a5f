// Matrix completion and rank-one measurements as operators: what the conformance suite does not cover — entries with
// empty rows and columns, k = 1, generation independent of the placement and thread count, every placement against
// the local one, back projections that never densify, bad input refused before any allocation, held-out entries,
// recovery with every method and both models, batches, and completion data from files.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompletionOperator, METHODS, RankOneOperator, Runtime, ValidationError, createProblem, createProblemParallel,
  problemFromEntries, problemFromEntriesLocal, solve, createSolver, solveBatch, solveSync, factorDistance,
  type MeasurementOperator, type PlacementKind, type Problem,
} from '../../src/index.js';
import { ENTRY_BLOCK } from '../../src/operators/entries.js';
import { parseCsvTriplets, parseMatrixMarket, TripletFormatError } from '../../src/io/triplets.js';
import { saveNpz } from '../../src/io/node.js';
import { dotTest } from '../../src/testing/index.js';
import { cli, tempDir } from '../cli/helpers.js';
import { randArray, relMaxDiff } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { rt = await Runtime.create(); });
const open: Array<{ dispose(): void }> = [];
afterEach(() => { while (open.length) open.pop()!.dispose(); });

/** One pass of `op` at fixed factors: ‖r‖², E·G, Eᵀ·F. */
async function passOf(r: Runtime, op: MeasurementOperator, k: number, y: Float64Array) {
  const ws = op.workspace(r, { model: 'asymmetric', widths: [k], precision: 'f64', y: r.f64(op.m).set(y) });
  const F = r.f64(op.n1 * k).set(randArray(op.n1 * k, 1)), G = r.f64(op.n2 * k).set(randArray(op.n2 * k, 2));
  const EG = r.f64(op.n1 * k), EtF = r.f64(op.n2 * k), rr = new Float64Array(1);
  await ws.passAsync([{ slot: 0, F, G, EG, EtF }], rr);
  ws.dispose();
  return { rr: rr[0], EG: EG.copy(), EtF: EtF.copy() };
}

describe('matrix completion', () => {
  it('entries with empty rows and columns, k = 1: the dot-test and the pass agree with the dense reference', async () => {
    // rows 1 and 3, columns 0 and 4 have no entry
    const rows = [0, 0, 2, 2, 4, 4], cols = [1, 3, 2, 5, 1, 3];
    const { op, perm } = CompletionOperator.fromEntriesLocal(rt, { n1: 5, n2: 6, rows, cols });
    open.push(op);
    // pass order: by column within a block of rows (all five rows are one block here)
    expect(Array.from(perm)).toEqual([0, 4, 2, 1, 5, 3]);
    expect(Array.from(op.entries()!)).toEqual([0, 1, 4, 1, 2, 2, 0, 3, 4, 3, 2, 5]);
    expect(dotTest(op, { rtol: 1e-14 }).passed).toBe(true);
    const y = randArray(6, 3), p = await passOf(rt, op, 1, Float64Array.from(perm, (i) => y[i])); // y in the operator's order
    const F = randArray(5, 1), G = randArray(6, 2), s = Math.sqrt(30 / 6);
    const EG = new Float64Array(5), EtF = new Float64Array(6);
    let ss = 0;
    rows.forEach((u, i) => { const v = cols[i], r = s * F[u] * G[v] - y[i]; ss += r * r; EG[u] += s * r * G[v]; EtF[v] += s * r * F[u]; });
    expect(Math.abs(p.rr - ss) / ss).toBeLessThan(1e-14);
    expect(relMaxDiff(p.EG, EG)).toBeLessThan(1e-14);
    expect(relMaxDiff(p.EtF, EtF)).toBeLessThan(1e-14);
    expect([p.EG[1], p.EG[3], p.EtF[0], p.EtF[4]]).toEqual([0, 0, 0, 0]);
  });

  it('bad entries are refused with a specific error before anything is allocated', () => {
    const before = rt.stats().used;
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ n1: 3, n2: 3, rows: [0, 3], cols: [0, 1] }, /entry 1 is \(3, 1\), outside the 3 × 3 matrix/],
      [{ n1: 3, n2: 3, rows: [0, -1], cols: [0, 1] }, /entry 1 is \(-1, 1\)/],
      [{ n1: 3, n2: 3, rows: [0, 1.5], cols: [0, 1] }, /0-based integers/],
      [{ n1: 3, n2: 3, rows: [0, 2, 0], cols: [1, 2, 1] }, /entries 0 and 2 are the same cell \(0, 1\)/],
      [{ n1: 3, n2: 3, rows: [0, 1], cols: [1, 0], symmetric: true }, /same cell \(0, 1\) \(a symmetric matrix/],
      [{ n1: 3, n2: 3, rows: [0], cols: [0, 1] }, /rows has 1 entries but cols has 2/],
      [{ n1: 3, n2: 3, rows: [], cols: [] }, /no observed entries/],
      [{ n1: 3, n2: 4, rows: [0], cols: [0], symmetric: true }, /symmetric completion needs n1 = n2/],
      [{ n1: 3, n2: 3, rows: [0], cols: [0], density: 0 }, /density must be in \(0, 1\]/],
    ];
    for (const [o, msg] of bad) expect(() => CompletionOperator.fromEntriesLocal(rt, o as never), String(msg)).toThrow(msg);
    expect(() => CompletionOperator.sampleLocal(rt, { n1: 4, n2: 4, m: 17 })).toThrow(/m = 17 exceeds the 16 cells/);
    expect(() => CompletionOperator.sampleLocal(rt, { n1: 4, n2: 4, density: 1.2 })).toThrow(/density must be in/);
    expect(() => CompletionOperator.sampleLocal(rt, { n1: 4, n2: 4, density: -0.1 })).toThrow(ValidationError);
    expect(() => problemFromEntriesLocal(rt, { n1: 3, n2: 3, rows: [0, 1], cols: [0, 1], vals: [1, NaN] })).toThrow(/vals\[1\] is NaN/);
    expect(rt.stats().used).toBe(before);
  });

  it('sampling: Bernoulli(p) at the right rate; exactly m; symmetric pairs u ≤ v; the same whatever the placement and threads', async () => {
    const a = CompletionOperator.sampleLocal(rt, { n1: 200, n2: 150, density: 0.1, seed: 3 });
    const b = CompletionOperator.sampleLocal(rt, { n1: 200, n2: 150, m: 777, seed: 3 });
    const c = CompletionOperator.sampleLocal(rt, { n1: 60, n2: 60, density: 0.2, seed: 3, symmetric: true });
    open.push(a, b, c);
    expect(Math.abs(a.m - 3000)).toBeLessThan(4 * Math.sqrt(3000 * 0.9));
    expect(b.m).toBe(777);
    const e = c.entries()!;
    for (let i = 0; i < c.m; i++) expect(e[2 * i]).toBeLessThanOrEqual(e[2 * i + 1]);
    // pass order: blocks of ENTRY_BLOCK rows (here one), ascending columns, then rows; every cell once
    const B = ENTRY_BLOCK, eb = b.entries()!, key = (i: number) => (Math.floor(eb[2 * i] / B) * 150 + eb[2 * i + 1]) * B + (eb[2 * i] % B);
    for (let i = 1; i < b.m; i++) expect(key(i)).toBeGreaterThan(key(i - 1));
    // several blocks, the last one ragged: blocks in row order, each by column then row
    const many = CompletionOperator.sampleLocal(rt, { n1: 2 * B + 37, n2: 9, density: 0.3, seed: 5 });
    open.push(many);
    const em = many.entries()!, keyM = (i: number) => (Math.floor(em[2 * i] / B) * 9 + em[2 * i + 1]) * B + (em[2 * i] % B);
    expect(em[2 * (many.m - 1)]).toBeGreaterThanOrEqual(2 * B);
    for (let i = 1; i < many.m; i++) expect(keyM(i)).toBeGreaterThan(keyM(i - 1));
    const y = randArray(b.m, 4), ref = await passOf(rt, b, 3, y);
    for (const [memory, threads] of [['shared', 2], ['private', 3], ['message', 2]] as Array<[PlacementKind, number]>) {
      const r2 = await Runtime.create({ shared: memory === 'shared' });
      const op = await CompletionOperator.sample(r2, { n1: 200, n2: 150, m: 777, seed: 3, threads, memory });
      open.push(op);
      const p = await passOf(r2, op, 3, y);
      expect(Math.abs(p.rr - ref.rr) / ref.rr).toBeLessThan(1e-13);
      expect(relMaxDiff(p.EG, ref.EG)).toBeLessThan(1e-13);
      expect(relMaxDiff(p.EtF, ref.EtF)).toBeLessThan(1e-13);
    }
  });

  it('held-out entries are disjoint from the observed ones, and the test error is measured on them', () => {
    const p = createProblem(rt, { n1: 40, n2: 30, r: 2, operator: 'completion', m: 500, mTest: 200, seed: 2 });
    open.push(p);
    const train = (p.op as CompletionOperator).entries()!, test = (p.test!.op as CompletionOperator).entries()!;
    const seen = new Set<number>();
    for (let i = 0; i < train.length; i += 2) seen.add(train[i] * 30 + train[i + 1]);
    for (let i = 0; i < test.length; i += 2) expect(seen.has(test[i] * 30 + test[i + 1])).toBe(false);
    expect(p.test!.op.m).toBe(200);
    const res = solveSync(rt, p, { k: 2, maxIter: 2000, tol: 1e-9 });
    expect(res.record.testError!.at(-1)).toBeLessThan(1e-6);
    expect(p.Mstar).toBeUndefined(); // the truth stays factored
  });

  it('the back projection is never formed: its products come from passes over Ω, and equal A*(y) times the vectors', () => {
    const p = createProblem(rt, { n1: 30, n2: 25, r: 2, operator: 'completion', density: 0.3, seed: 5 });
    open.push(p);
    const before = p.op.adjointCount;
    const M = p.backProjection(), s1 = p.sigma1Hat();
    expect(p.op.adjointCount).toBe(before); // no vec-form adjoint (n1 × n2) was taken
    const S = p.op.adjoint(p.y.a.slice(), new Float64Array(750)), x = randArray(25, 1), out = new Float64Array(30), ref = new Float64Array(30);
    M.apply(x, out);
    for (let a = 0; a < 30; a++) for (let b = 0; b < 25; b++) ref[a] += S[a * 25 + b] * x[b];
    expect(relMaxDiff(out, ref)).toBeLessThan(1e-14);
    expect(s1).toBeGreaterThan(0.5);
  });

  it("a problem's back projection reads its y in place; any other y is copied, and a y of the wrong length refused", () => {
    const p = createProblem(rt, { n1: 300, n2: 250, r: 2, operator: 'completion', density: 0.3, seed: 6 });
    open.push(p);
    const op = p.op as CompletionOperator, used = rt.stats().used;
    const M = p.backProjection();
    const x = randArray(250, 2), out = new Float64Array(300);
    M.apply(x, out);
    // one block's buffers (≈ (n1 + n2)·3 numbers), not another m = 22 500 numbers for y
    expect(rt.stats().used - used).toBeLessThan(op.m * 8 / 2);
    const copy = op.backProjection(p.y.a.slice()), out2 = new Float64Array(300);
    copy.apply(x, out2);
    expect(out2).toEqual(out);
    copy.dispose();
    expect(() => op.backProjection(new Float64Array(op.m - 1))).toThrow(ValidationError);
  });
});

describe('rank-one measurements', () => {
  it('generation is the same on every placement and thread count; so are the passes', async () => {
    const o = { m: 203, n1: 13, n2: 11, seed: 7 };
    const ref = RankOneOperator.gaussian(rt, o);
    open.push(ref);
    const y = randArray(203, 1), p0 = await passOf(rt, ref, 3, y);
    for (const [memory, threads] of [['shared', 3], ['private', 2], ['message', 3]] as Array<[PlacementKind, number]>) {
      const r2 = await Runtime.create({ shared: memory === 'shared' });
      const op = await RankOneOperator.create(r2, { ...o, threads, memory });
      open.push(op);
      const x = randArray(143, 2);
      expect(Array.from(await op.applyAsync(x, new Float64Array(203)))).toEqual(Array.from(ref.apply(x, new Float64Array(203))));
      const p = await passOf(r2, op, 3, y);
      expect(Math.abs(p.rr - p0.rr) / p0.rr).toBeLessThan(1e-13);
      expect(relMaxDiff(p.EG, p0.EG)).toBeLessThan(1e-12);
    }
  });

  it('symmetric: E[A*A](X) = 2X + tr(X)·I, so the back projection is (A*(y) − √m·ȳ·I)/2, whose mean is M*', () => {
    const p = createProblem(rt, { n1: 20, r: 2, operator: 'rank-one', m: 60000, symmetric: true, seed: 3 });
    open.push(p);
    // M̂ x ≈ M* x (sampling error ~ 1/√m relative); without the correction it would be 2M* x + tr(M*) x
    const M = p.backProjection(), x = randArray(20, 5), out = new Float64Array(20), ref = new Float64Array(20);
    M.apply(x, out);
    const U = p.Ustar!, s = p.sigma!;
    for (let a = 0; a < 20; a++) for (let b = 0; b < 20; b++) { let v = 0; for (let q = 0; q < 2; q++) v += U[a * 2 + q] * s[q] * U[b * 2 + q]; ref[a] += v * x[b]; }
    expect(relMaxDiff(out, ref)).toBeLessThan(0.15);
    expect(p.op.stepScale).toBe(0.2);
  });

  it('your own vectors: checked, and the same operator as the generated one', () => {
    const g = RankOneOperator.gaussian(rt, { m: 9, n1: 4, n2: 3, seed: 1 });
    open.push(g);
    const { a, b } = g.vectors()!;
    const own = RankOneOperator.fromVectorsLocal(rt, { n1: 4, n2: 3, a, b });
    open.push(own);
    const x = randArray(12, 3);
    expect(Array.from(own.apply(x, new Float64Array(9)))).toEqual(Array.from(g.apply(x, new Float64Array(9))));
    expect(() => RankOneOperator.fromVectorsLocal(rt, { n1: 4, n2: 3, a, b: b.subarray(0, 6) })).toThrow(/a has 9 rows but b has 2/);
    expect(() => RankOneOperator.fromVectorsLocal(rt, { n1: 4, n2: 3, a: Float64Array.of(1, 2, 3, 1e300), b: Float64Array.of(1, 2, 3) })).toThrow(/a\[3\] \(row 0\) is 1e\+300, beyond the float32 range/);
    expect(() => RankOneOperator.fromVectorsLocal(rt, { n1: 4, n2: 3, a: Float64Array.of(1, 2, NaN, 1), b: Float64Array.of(1, 2, 3) })).toThrow(/a\[2\] .* is NaN/);
    expect(() => RankOneOperator.gaussian(rt, { m: 0, n1: 4, n2: 3 })).toThrow(/m must be a positive integer/);
  });
});

describe('every method and both models recover with the structured operators (fixed seeds)', () => {
  const kinds: Array<[string, (sym: boolean) => Problem]> = [
    ['completion', (sym) => createProblem(rt, { n1: 40, n2: sym ? 40 : 34, r: 2, operator: 'completion', density: 0.5, seed: 4, symmetric: sym })],
    ['rank-one', (sym) => createProblem(rt, { n1: 30, n2: sym ? 30 : 24, r: 2, operator: 'rank-one', m: 900, seed: 4, symmetric: sym })],
  ];
  // the F Gᵀ model on a rectangular problem, the X Xᵀ model on a symmetric one
  const cases = kinds.flatMap(([kind, make]) => Object.values(METHODS).flatMap((m) => m.models.map((model) => [kind, m.name, model, make] as const)));
  it.each(cases)('%s, %s, %s model', (_kind, method, model, make) => {
    const p = make(model === 'symmetric');
    open.push(p);
    const res = solveSync(rt, p, { k: 2, method, model, maxIter: 4000, tol: 1e-9 });
    expect(res.stopReason, res.message).toBe('converged');
    expect(res.record.relError!.at(-1)).toBeLessThan(1e-6);
  });

  it.each(kinds)('%s, symmetric problem, F Gᵀ model: the reported sym(F Gᵀ) recovers (slowly: the operator cannot see the antisymmetric part)', (_kind, make) => {
    const p = make(true);
    open.push(p);
    const res = solveSync(rt, p, { k: 2, model: 'asymmetric', maxIter: 4000, tol: 1e-9 });
    expect(res.record.relError!.at(-1)).toBeLessThan(1e-3);
    const e = res.estimate, n = p.n1;
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) expect(e[a * n + b]).toBe(e[b * n + a]);
  });
});

describe('batches and threads with the structured operators', () => {
  it.each(['completion', 'rank-one'] as const)('%s: a batch equals its single runs; threads equal one thread', async (operator) => {
    const po = operator === 'completion' ? { n1: 50, n2: 40, r: 2, operator, density: 0.3, seed: 6 } : { n1: 30, n2: 25, r: 2, operator, m: 800, seed: 6 };
    const p = createProblem(rt, po);
    open.push(p);
    const o = { k: 3, maxIter: 300, tol: 0, precision: 'f64' as const }; // 'mixed' rank-one: f32 chunk sums differ by block
    const inits = [{ alpha: 1e-2 }, { alpha: 1e-3, seed: 5 }];
    const batch = solveBatch(rt, p, { ...o, trajectories: inits.map((init) => ({ init })) });
    inits.forEach((init, i) => {
      const single = solveSync(rt, p, { ...o, init });
      expect(relMaxDiff(batch[i].record.loss, single.record.loss)).toBeLessThan(1e-12);
    });
    for (const memory of ['shared', 'private', 'message'] as const) {
      const r2 = await Runtime.create({ shared: memory === 'shared' });
      const pp = await createProblemParallel(r2, { ...po, threads: 2, memory });
      open.push(pp);
      const res = await solve(r2, pp, { ...o, init: inits[0] });
      expect(relMaxDiff(res.record.loss, batch[0].record.loss), memory).toBeLessThan(1e-9);
    }
  });
});

describe('completion at the default precision on every placement', () => {
  // 'mixed' accumulates the gradient rows in f32 in each participant's scratch (its own memory for private and
  // message workers): the runs differ from the local one only by that rounding, which shrinks with the residual
  it.each([false, true])('private and message workers follow the local run and recover to the same accuracy (symmetric: %s)', async (symmetric) => {
    // symmetric: the X Xᵀ model on pairs u ≤ v, the packed kernel's symmetric case
    const po = { n1: 60, n2: symmetric ? 60 : 50, r: 2, operator: 'completion' as const, density: 0.3, seed: 6, symmetric };
    const o = { k: 2, maxIter: 1500, tol: 0, init: { alpha: 1e-2 } };
    const p = createProblem(rt, po);
    open.push(p);
    const local = solveSync(rt, p, o);
    expect(local.record.relError!.at(-1)!).toBeLessThan(1e-10);
    for (const memory of ['shared', 'private', 'message'] as const) {
      const r2 = await Runtime.create({ shared: memory === 'shared' });
      const pp = await createProblemParallel(r2, { ...po, threads: 2, memory });
      open.push(pp);
      const res = await solve(r2, pp, o);
      expect(relMaxDiff(res.record.loss.slice(0, 100), local.record.loss.slice(0, 100)), memory).toBeLessThan(1e-5);
      expect(res.record.relError!.at(-1)!, memory).toBeLessThan(1e-10);
    }
  });
});

describe('memory accounting with the structured operators', () => {
  // the placement keeps each participant's scratch (f32 factor and gradient rows of a 'mixed' completion pass, the
  // rank-one chunks) and, in shared memory, the workers' partial outputs: the out-of-memory check must count them
  it.each(['completion', 'rank-one'] as const)('%s on 2 shared threads: memoryUsage() covers what the run allocates', async (operator) => {
    const po = operator === 'completion' ? { n1: 300, n2: 200, r: 2, operator, density: 0.2, seed: 6 } : { n1: 120, n2: 100, r: 2, operator, m: 3000, seed: 6 };
    const r2 = await Runtime.create({ shared: true });
    const pp = await createProblemParallel(r2, { ...po, threads: 2, memory: 'shared' });
    open.push(pp);
    // a first, small f64 run makes what the problem keeps for itself (its back projection for the step size)
    solveSync(r2, pp, { k: 1, maxIter: 1, tol: 0, precision: 'f64' });
    const start = r2.stats().used;
    const s = createSolver(r2, pp, { k: 8, maxIter: 3, tol: 0 }).setup();
    while (s.step());
    expect(s.memoryUsage()).toBeGreaterThanOrEqual(r2.stats().used - start);
    s.dispose();
  });
});

describe('relative error from factors', () => {
  it('the orthogonal split (wasm) equals the thin-QR reference, far from and near the truth', async () => {
    const { TruthDistance } = await import('../../src/diagnostics/truth.js');
    const p = createProblem(rt, { n1: 60, n2: 45, r: 3, operator: 'rank-one', m: 10, seed: 2 });
    open.push(p);
    const U = p.Ustar!, V = p.Vstar!, s = p.sigma!, k = 5;
    const td = new TruthDistance(rt, p, k);
    for (const scale of [1, 1e-6, 1e-13]) {
      // F Gᵀ = M* + scale · (a random rank-k perturbation)
      const F = randArray(60 * k, 3).map((x) => scale * x), G = randArray(45 * k, 4);
      for (let a = 0; a < 60; a++) for (let q = 0; q < 3; q++) F[a * k + q] = U[a * 3 + q] * s[q];
      for (let b = 0; b < 45; b++) for (let q = 0; q < 3; q++) G[b * k + q] = V[b * 3 + q];
      const e = { F: rt.f64(F.length).set(F), G: rt.f64(G.length).set(G), k };
      const ref = factorDistance(F, G, k, U, s, V, 60, 45) / p.MstarNorm!;
      expect(Math.abs(td.relError(e) - ref) / ref, `scale ${scale}`).toBeLessThan(scale === 1e-13 ? 1e-2 : 1e-10);
    }
    td.dispose();
  });

  it('floors at ~1e-16, where the expansion ‖FGᵀ‖² − 2⟨FGᵀ, M*⟩ + ‖M*‖² floors at ~1e-8', () => {
    const n1 = 50, n2 = 40, r = 3, U = new Float64Array(n1 * r), V = new Float64Array(n2 * r), s = Float64Array.of(1, 0.6, 0.3);
    for (let q = 0; q < r; q++) { U[q * r + q] = 1; V[(q + 5) * r + q] = 1; }
    const F = new Float64Array(n1 * r), G = new Float64Array(n2 * r);
    for (let i = 0; i < n1 * r; i++) F[i] = U[i];
    for (let i = 0; i < n2 * r; i++) G[i] = V[i] * s[i % r] * (1 + 1e-12);
    const norm = Math.hypot(...s), d = factorDistance(F, G, r, U, s, V, n1, n2) / norm;
    expect(Math.abs(d - 1e-12) / 1e-12).toBeLessThan(1e-3); // the true distance, 1e-12, to three digits
    // the expansion ‖F Gᵀ‖² − 2⟨F Gᵀ, M*⟩ + ‖M*‖² loses it to cancellation (its floor is ~1e-8 relative)
    const fg = s.reduce((t, x) => t + (x * (1 + 1e-12)) ** 2, 0), cross = s.reduce((t, x) => t + x * x * (1 + 1e-12), 0), mm = s.reduce((t, x) => t + x * x, 0);
    const naive = Math.sqrt(Math.abs(fg - 2 * cross + mm)) / norm;
    expect(Math.abs(naive - 1e-12) / 1e-12).toBeGreaterThan(0.5); // 0 or ~1e-8: no correct digit
    expect(factorDistance(U, Float64Array.from(V, (v, i) => v * s[i % r]), r, U, s, V, n1, n2)).toBeLessThan(1e-15);
  });
});

describe('completion data from files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'matsense-entries-'));
  /** A small rank-2 matrix and a random half of its entries. */
  function data() {
    const p = createProblem(rt, { n1: 20, n2: 16, r: 2, m: 1, seed: 8 });
    const M = p.Mstar!.copy(), U = p.Ustar!, V = p.Vstar!, sigma = p.sigma!;
    p.dispose();
    const rows: number[] = [], cols: number[] = [], vals: number[] = [];
    const R = randArray(320, 9);
    for (let a = 0; a < 20; a++) for (let b = 0; b < 16; b++) if (R[a * 16 + b] > -0.1) { rows.push(a); cols.push(b); vals.push(M[a * 16 + b]); }
    return { rows, cols, vals, M, U, V, sigma };
  }

  it('problemFromEntries (any order, any placement) recovers the matrix from its entries', async () => {
    const d = data(), perm = d.rows.map((_, i) => i).reverse();
    const shuffled = { rows: perm.map((i) => d.rows[i]), cols: perm.map((i) => d.cols[i]), vals: perm.map((i) => d.vals[i]) };
    for (const memory of ['local', 'message'] as const) {
      const p = await problemFromEntries(rt, { n1: 20, n2: 16, ...shuffled, r: 2, truth: { U: d.U, sigma: d.sigma, V: d.V } }, memory === 'local' ? {} : { threads: 2, memory });
      open.push(p);
      const res = await solve(rt, p, { k: 2, maxIter: 3000, tol: 1e-10 });
      expect(res.record.relError!.at(-1)).toBeLessThan(1e-8);
    }
  });

  it('Matrix Market and CSV parsers: entries, shape, specific errors with line numbers', () => {
    const mtx = '%%MatrixMarket matrix coordinate real general\n% a comment\n3 4 2\n1 1 0.5\n3 4 -2\n';
    expect(parseMatrixMarket(mtx)).toEqual({ rows: Float64Array.of(0, 2), cols: Float64Array.of(0, 3), vals: Float64Array.of(0.5, -2), n1: 3, n2: 4, symmetric: false });
    expect(() => parseMatrixMarket('%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n')).toThrow(/only 'coordinate'/);
    expect(() => parseMatrixMarket('%%MatrixMarket matrix coordinate pattern general\n2 2 1\n1 1\n')).toThrow(/'real' or 'integer'/);
    expect(() => parseMatrixMarket('%%MatrixMarket matrix coordinate real general\n3 4 2\n1 1 0.5\n4 1 1\n')).toThrow(/line 4: the row 4 is outside 1…3/);
    expect(() => parseMatrixMarket('%%MatrixMarket matrix coordinate real general\n3 4 3\n1 1 0.5\n')).toThrow(/announces 3 entries, the file has 1/);
    expect(() => parseMatrixMarket('%%MatrixMarket matrix coordinate real general\n3 4 1\n1 1 x\n')).toThrow(/line 3: the value 'x' is not a finite number/);
    expect(() => parseMatrixMarket('hello')).toThrow(TripletFormatError);
    expect(parseCsvTriplets('row,col,value\n0,1,2.5\n2, 0, -1\n')).toEqual({ rows: Float64Array.of(0, 2), cols: Float64Array.of(1, 0), vals: Float64Array.of(2.5, -1) });
    expect(() => parseCsvTriplets('0,1\n')).toThrow(/line 1: expected 3 comma-separated fields/);
    expect(() => parseCsvTriplets('0,1,2\n1,-1,3\n')).toThrow(/line 2: the column -1 is outside/);
    expect(() => parseCsvTriplets('row,col,value\n')).toThrow(/no entries/);
  });

  it('matsense solve --load takes .mtx, .csv and .npz (rows, cols, vals) entries', async () => {
    const d = data(), cwd = tempDir();
    const mtx = ['%%MatrixMarket matrix coordinate real general', `20 16 ${d.rows.length}`, ...d.rows.map((u, i) => `${u + 1} ${d.cols[i] + 1} ${d.vals[i]}`)].join('\n');
    writeFileSync(join(cwd, 'm.mtx'), mtx);
    writeFileSync(join(cwd, 'm.csv'), ['row,col,value', ...d.rows.map((u, i) => `${u},${d.cols[i]},${d.vals[i]}`)].join('\n'));
    const vec = (a: number[]) => ({ dtype: 'float64' as const, shape: [a.length], data: Float64Array.from(a) });
    await saveNpz(join(cwd, 'm.npz'), { rows: vec(d.rows), cols: vec(d.cols), vals: vec(d.vals) });
    for (const f of ['m.mtx', 'm.csv', 'm.npz']) {
      const extra = f === 'm.csv' ? ['--n1', '20', '--n2', '16'] : [];
      const r = await cli(['solve', '--load', f, ...extra, '--k', '2', '--iters', '3000', '--tol', '1e-10', '--quiet', '--out', `${f}.json`], { cwd });
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(new RegExp(`loaded ${f.replace('.', '\\.')}: 20×16, ${d.rows.length} observed entries`));
      expect(r.out).toMatch(/converged/);
    }
    const bad = await cli(['solve', '--load', 'm.mtx', '--k', '2', '--m', '5'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--m describes a generated problem/);
  });
  void dir;
});
