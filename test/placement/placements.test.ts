// Every placement of the dense operator (local, shared, private, message) against the local one: the same operator
// bits, the same passes up to the order of the sum over row blocks, the same runs; their errors, their workers'
// deaths, and their lifecycle.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  DenseOperator, Runtime, StateError, ValidationError, WorkerError, createProblem, createProblemParallel, createSolver,
  problemFromData, problemFromDataParallel, solve, solveBatchAsync, solveSync, withGram,
  type MeasurementOperator, type PlacementKind, type Precision,
} from '../../src/index.js';
import { randArray, relMaxDiff } from '../helpers.js';

const open: Array<{ dispose(): void }> = [];
afterEach(() => { while (open.length) open.pop()!.dispose(); });

async function rtFor(memory: PlacementKind): Promise<Runtime> { return Runtime.create({ shared: memory === 'shared' }); }

/** A pass of `op` at fixed factors: residual norms and products for B = 2 trajectories. */
async function passOf(rt: Runtime, op: MeasurementOperator, precision: Precision, y: Float64Array) {
  const n1 = op.n1, n2 = op.n2, widths = [2, 3];
  const ws = op.workspace(rt, { model: 'asymmetric', widths, precision, y: rt.f64(y.length).set(y) });
  const items = widths.map((k, slot) => ({
    slot, F: rt.f64(n1 * k).set(randArray(n1 * k, 30 + slot)), G: rt.f64(n2 * k).set(randArray(n2 * k, 40 + slot)),
    EG: rt.f64(n1 * k), EtF: rt.f64(n2 * k), residual: rt.f64(op.m),
  }));
  const rr = new Float64Array(2);
  await ws.passAsync(items, rr);
  const out = { rr: Array.from(rr), EG: items.map((i) => i.EG.copy()), EtF: items.map((i) => i.EtF.copy()), r: items.map((i) => i.residual.copy()) };
  ws.dispose();
  return out;
}

describe('dense operator on every placement', () => {
  const m = 1203, n1 = 13, n2 = 11, N = n1 * n2; // ragged m and N
  const cases: Array<[PlacementKind, number]> = [['shared', 1], ['shared', 2], ['shared', 3], ['private', 1], ['private', 2], ['private', 3], ['message', 1], ['message', 3]];

  it.each(cases)('%s memory, %i threads: same bits, same passes as the local operator', async (memory, threads) => {
    const rt1 = await Runtime.create();
    const ref = DenseOperator.gaussian(rt1, { m, n1, n2, seed: 5 });
    const rt = await rtFor(memory);
    const op = await DenseOperator.create(rt, { m, n1, n2, seed: 5, threads, memory });
    open.push(op, ref);
    expect([op.placement, op.threads]).toEqual([memory, threads]);
    expect(op.synchronous).toBe(memory !== 'message');
    if (memory === 'shared') expect(Buffer.from(op.A!.copy().buffer).equals(Buffer.from(ref.A!.copy().buffer))).toBe(true);
    else expect(op.A).toBeUndefined();
    const x = Float64Array.from({ length: N }, (_, i) => Math.sin(i + 1)), b = Float64Array.from({ length: m }, (_, i) => Math.cos(i));
    const y1 = ref.apply(x, new Float64Array(m)), y2 = await op.applyAsync(x, new Float64Array(m));
    expect(relMaxDiff(y2, y1)).toBe(0); // rows are independent: bit-identical
    const S1 = ref.adjoint(b, new Float64Array(N)), S2 = await op.adjointAsync(b, new Float64Array(N));
    expect(relMaxDiff(S2, S1)).toBeLessThan(1e-12);
    for (const precision of ['f64', 'mixed', 'f32'] as Precision[]) {
      const p1 = await passOf(rt1, ref, precision, b), p2 = await passOf(rt, op, precision, b);
      for (let t = 0; t < 2; t++) {
        expect(relMaxDiff(p2.r[t], p1.r[t])).toBe(0);
        expect(Math.abs(p2.rr[t] - p1.rr[t]) / p1.rr[t]).toBeLessThan(1e-12);
        // f32: the block split changes the f32 rounding of the per-block adjoints
        expect(relMaxDiff(p2.EG[t], p1.EG[t])).toBeLessThan(precision === 'f32' ? 1e-6 : 1e-12);
        expect(relMaxDiff(p2.EtF[t], p1.EtF[t])).toBeLessThan(precision === 'f32' ? 1e-6 : 1e-12);
      }
    }
    await op.close();
    expect(op.exitedWorkers).toBe(memory === 'shared' ? threads - 1 : threads);
  });

  it('symmetric operators and your own matrix, on every placement, equal the local ones', async () => {
    const rt1 = await Runtime.create();
    const sym = DenseOperator.gaussian(rt1, { m: 101, n1: 9, n2: 9, seed: 2, symmetric: true });
    const mm = 37, nn = 5, data = Float32Array.from({ length: mm * nn * nn }, (_, i) => Math.sin(i * 0.37));
    const own = DenseOperator.fromArray(rt1, data, mm, nn, nn, false);
    open.push(sym, own);
    for (const memory of ['shared', 'private', 'message'] as const) {
      const rt = await rtFor(memory);
      const s2 = await DenseOperator.create(rt, { m: 101, n1: 9, n2: 9, seed: 2, symmetric: true, threads: 2, memory });
      const o2 = await DenseOperator.create(rt, { m: mm, n1: nn, n2: nn, data, symmetric: false, threads: 2, memory });
      open.push(s2, o2);
      expect(s2.seesOnlySymmetric).toBe(true);
      const x = Float64Array.from({ length: 81 }, (_, i) => i % 7), z = Float64Array.from({ length: 25 }, (_, i) => 1 / (i + 1));
      expect(Array.from(await s2.applyAsync(x, new Float64Array(101)))).toEqual(Array.from(sym.apply(x, new Float64Array(101))));
      expect(Array.from(await o2.applyAsync(z, new Float64Array(mm)))).toEqual(Array.from(own.apply(z, new Float64Array(mm))));
    }
  });

  it('survives thousands of back-to-back barrier passes (no missed wake-up) with results unchanged', async () => {
    const rt = await Runtime.create({ shared: true });
    const op = await DenseOperator.create(rt, { m: 61, n1: 4, n2: 4, seed: 1, threads: 3 });
    const rtp = await Runtime.create();
    const opp = await DenseOperator.create(rtp, { m: 61, n1: 4, n2: 4, seed: 1, threads: 3, memory: 'private' });
    const ref = DenseOperator.gaussian(await Runtime.create(), { m: 61, n1: 4, n2: 4, seed: 1 });
    open.push(op, opp, ref);
    const x = Float64Array.from({ length: 16 }, (_, i) => i - 7), y = new Float64Array(61), y0 = new Float64Array(61);
    ref.apply(x, y0);
    for (let it = 0; it < 3000; it++) {
      (it % 2 ? opp : op).apply(x, y);
      if (y[it % 61] !== y0[it % 61]) throw new Error(`pass ${it} differs`);
    }
  });

  it('options that cannot work are refused before any worker starts', async () => {
    const rt = await Runtime.create();
    await expect(DenseOperator.create(rt, { m: 10, n1: 2, n2: 2, threads: 2, memory: 'shared' })).rejects.toThrow(/\{ shared: true \}/);
    await expect(DenseOperator.create(rt, { m: 10, n1: 2, n2: 2, threads: 2, memory: 'local' })).rejects.toThrow(/calling thread only/);
    await expect(DenseOperator.create(rt, { m: 10, n1: 2, n2: 2, threads: 0 })).rejects.toThrow(/threads must be an integer/);
    await expect(DenseOperator.create(rt, { m: 10, n1: 2, n2: 2, threads: 2, memory: 'gpu' as never })).rejects.toThrow(/memory must be one of/);
    await expect(DenseOperator.create(rt, { m: 10, n1: 2, n2: 3, symmetric: true, threads: 2 })).rejects.toThrow(/n1 = n2/);
    await expect(DenseOperator.create(rt, { m: 3, n1: 2, n2: 2, data: new Float64Array(12).fill(NaN), threads: 2, memory: 'private' })).rejects.toThrow(/entry 0 .* NaN/);
  });
});

describe('worker failures and lifecycle', () => {
  it.each(['shared', 'private', 'message'] as const)('%s: a worker that dies mid-pass fails it with a WorkerError within a second, and every later pass', async (memory) => {
    const rt = await rtFor(memory);
    const op = await DenseOperator.create(rt, { m: 400, n1: 6, n2: 6, seed: 1, threads: 3, memory });
    const x = new Float64Array(36).fill(1), y = new Float64Array(400);
    await op.applyAsync(x, y);
    const t0 = performance.now();
    const rows = (op as unknown as { rows: { injectWorkerDeath(i: number): void } }).rows;
    if (memory === 'message') {
      rows.injectWorkerDeath(1);
      const err = await op.applyAsync(x, y).then(() => null, (e: Error) => e);
      // the reply may beat the termination once; the next pass must fail
      const err2 = err ?? await op.applyAsync(x, y).then(() => null, (e: Error) => e);
      expect(err2).toBeInstanceOf(WorkerError);
    } else {
      expect(() => rows.injectWorkerDeath(1)).toThrow(WorkerError);
    }
    expect(performance.now() - t0).toBeLessThan(1000);
    await expect(op.applyAsync(x, y)).rejects.toThrow(/worker 1 (has exited|exited during a pass)/);
    op.dispose();
    await op.close();
  });

  it('a worker that dies during a solve stops it with a WorkerError (no hang), on every placement', async () => {
    for (const memory of ['shared', 'private'] as const) {
      const rt = await rtFor(memory);
      const p = await createProblemParallel(rt, { n1: 10, r: 2, m: 400, seed: 1, threads: 2, memory });
      open.push(p);
      const s = createSolver(rt, p, { k: 2, maxIter: 1000, tol: 0 }).setup();
      s.step();
      const rows = (p.op as unknown as { rows: { injectWorkerDeath(i: number): void } }).rows;
      expect(() => rows.injectWorkerDeath(0)).toThrow(WorkerError);
      expect(() => s.step()).toThrow(WorkerError);
      s.dispose();
    }
  });

  it('a job that fails in a worker surfaces as a WorkerError naming it, and the placement still works', async () => {
    for (const memory of ['shared', 'private', 'message'] as const) {
      const rt = await rtFor(memory);
      const op = await DenseOperator.create(rt, { m: 64, n1: 4, n2: 4, threads: 2, memory });
      open.push(op);
      const rows = (op as unknown as { rows: { runAsync(j: unknown): Promise<void> } }).rows;
      const out = rt.f64(64);
      // a row length far beyond the rows: the worker's kernel reads out of bounds (trap) or cannot grow its memory
      const bad = { program: 'dense.apply', params: [2 ** 29], inputLen: 1, rowsIn: false, rowsOut: 1, partialLen: 0, input: rt.f64(1), rowsOutBuf: out };
      await expect(rows.runAsync(bad)).rejects.toThrow(memory === 'shared' ? /out of bounds|worker/ : /worker|memory/);
      const y = await op.applyAsync(new Float64Array(16).fill(1), new Float64Array(64));
      expect(y.every(Number.isFinite)).toBe(true);
    }
  });

  it('close() waits for every worker; dispose() is idempotent; use after dispose throws StateError', async () => {
    for (const memory of ['shared', 'private', 'message'] as const) {
      const rt = await rtFor(memory);
      const op = await DenseOperator.create(rt, { m: 40, n1: 3, n2: 3, threads: 3, memory });
      op.dispose(); op.dispose();
      await op.close();
      expect(op.exitedWorkers).toBe(memory === 'shared' ? 2 : 3);
      expect(() => op.apply(new Float64Array(9), new Float64Array(40))).toThrow(StateError);
      await expect(op.applyAsync(new Float64Array(9), new Float64Array(40))).rejects.toThrow(StateError);
    }
  });

  it('disposing the runtime stops every operator made in it', async () => {
    const rt = await Runtime.create({ shared: true });
    const a = await DenseOperator.create(rt, { m: 40, n1: 3, n2: 3, threads: 2 });
    const b = await DenseOperator.create(rt, { m: 40, n1: 3, n2: 3, threads: 2, memory: 'message' });
    rt.dispose();
    await a.close(); await b.close();
    expect([a.exitedWorkers, b.exitedWorkers]).toEqual([1, 2]);
    expect(() => a.apply(new Float64Array(9), new Float64Array(40))).toThrow(/runtime .* disposed/);
  });

  it('message placement: synchronous calls throw a StateError naming the async ones; a view of wasm memory survives growth', async () => {
    const rt = await Runtime.create();
    const op = await DenseOperator.create(rt, { m: 40, n1: 4, n2: 4, seed: 2, threads: 2, memory: 'message' });
    const ref = DenseOperator.gaussian(rt, { m: 40, n1: 4, n2: 4, seed: 2 });
    open.push(op, ref);
    expect(() => op.apply(new Float64Array(16), new Float64Array(40))).toThrow(/applyAsync/);
    await expect(op.applyAsync(new Float64Array(8), new Float64Array(40))).rejects.toThrow(/length 8, expected 16/);
    const out = rt.f64(40, 0), x = randArray(16, 4);
    const pending = op.applyAsync(x, out.a);
    const big = rt.f64(4 << 20); // 32 MiB: grows the memory, detaching out.a
    await pending;
    expect(Array.from(out.a)).toEqual(Array.from(ref.apply(x, new Float64Array(40))));
    big.free(); out.free();
  });

  const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
  // The process must exit on its own after a run, after an error, and when an operator is never disposed (barrier
  // workers are unref()ed once started; message workers are referenced only while a reply is awaited).
  it.skipIf(!existsSync(dist))('a Node process exits after a run, an error, or a forgotten operator, on every placement', () => {
    for (const memory of ['shared', 'private', 'message']) {
      for (const scenario of ['run', 'error', 'forgotten']) {
        const code = `
          import { createRuntime, createProblemParallel, solve } from ${JSON.stringify(dist)};
          const s = ${JSON.stringify(scenario)};
          const rt = await createRuntime({ shared: ${memory === 'shared'} });
          const p = await createProblemParallel(rt, { n1: 10, r: 2, m: 300, seed: 1, threads: 2, memory: ${JSON.stringify(memory)} });
          if (s === 'error') { try { await solve(rt, p, { k: 2, maxIter: -1 }); } catch (e) { console.log('caught', e.name); } }
          const res = await solve(rt, p, { k: 2, maxIter: 50, tol: 0 });
          console.log('iterations', res.iterations);
          if (s === 'run') { p.dispose(); await p.op.close?.(); }
          console.log('done', s);`;
        const t0 = Date.now();
        const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20000 });
        expect(r.status, `${memory} ${scenario}: ${r.stderr}`).toBe(0);
        expect(r.stdout).toContain('iterations 50');
        expect(r.stdout).toContain(`done ${scenario}`);
        expect(Date.now() - t0).toBeLessThan(15000);
      }
    }
  });
});

describe('solving on every placement', () => {
  const po = { n1: 16, n2: 12, r: 2, m: 601, seed: 3, mTest: 50 };
  const so = { k: 4, init: { alpha: 1e-7 }, maxIter: 300, tol: 1e-9 };

  it('createProblemParallel gives the same problem, and solve() the same run, on every placement and thread count', async () => {
    const rt0 = await Runtime.create();
    const p0 = createProblem(rt0, po);
    open.push(p0);
    const r0 = solveSync(rt0, p0, so);
    const s0 = solveSync(rt0, p0, { k: 2, method: 'scaledgd', maxIter: 20, tol: 0 });
    for (const [memory, threads] of [['shared', 2], ['shared', 3], ['private', 2], ['message', 3]] as const) {
      const rt = await rtFor(memory);
      const p = await createProblemParallel(rt, { ...po, threads, memory });
      open.push(p);
      expect(p.op.placement).toBe(memory);
      expect(Array.from(p.y.a)).toEqual(Array.from(p0.y.a));
      const r1 = await solve(rt, p, so);
      expect(r1.iterations).toBe(r0.iterations);
      expect(r1.stopReason).toBe(r0.stopReason);
      expect(relMaxDiff(r1.estimate, r0.estimate)).toBeLessThan(1e-9);
      expect(relMaxDiff(r1.record.testError!, r0.record.testError!)).toBeLessThan(1e-7);
      // default step size and spectral init come from the back projection computed at creation
      const s1 = await solve(rt, p, { k: 2, method: 'scaledgd', maxIter: 20, tol: 0 });
      expect(relMaxDiff(s1.estimate, s0.estimate)).toBeLessThan(1e-9);
    }
  });

  it('message placement: stepAsync works, step()/run() refuse clearly, AGN refuses up front; batches and Gram mode work', async () => {
    const rt = await Runtime.create();
    const p = await createProblemParallel(rt, { ...po, threads: 2, memory: 'message' });
    open.push(p);
    const s = createSolver(rt, p, { k: 3, maxIter: 5, tol: 0 }).setup();
    expect(() => s.step()).toThrow(/stepAsync/);
    const pending = s.stepAsync();
    expect(() => s.dispose()).toThrow(/pending/);
    expect(await pending).toBe(true);
    while (await s.stepAsync());
    expect(s.finalize().iterations).toBe(5);
    s.dispose();
    expect(() => createSolver(rt, p, { k: 2, method: 'agn' })).toThrow(ValidationError);
    const batch = await solveBatchAsync(rt, p, { k: 2, maxIter: 30, tol: 0, trajectories: [{ init: { alpha: 1e-2 } }, { init: { alpha: 1e-3 } }] });
    expect(batch.map((r) => r.iterations)).toEqual([30, 30]);
    const pg = await withGram(rt, p);
    const g = await solve(rt, pg, { k: 2, maxIter: 30, tol: 0, precision: 'f64' });
    const d = await solve(rt, p, { k: 2, maxIter: 30, tol: 0, precision: 'f64' });
    expect(relMaxDiff(g.record.loss, d.record.loss)).toBeLessThan(1e-6);
    pg.dispose();
  });

  it('problemFromDataParallel (shared, private, message) gives the same run as problemFromData', async () => {
    const rt0 = await Runtime.create();
    const g = createProblem(rt0, { n1: 9, n2: 7, r: 2, m: 221, seed: 5 });
    const data = { n1: 9, n2: 7, A: (g.op as DenseOperator).A!.a.slice(), y: g.y.a.slice(), Mstar: g.Mstar!.a.slice(), r: 2 };
    const opts = { k: 3, init: { alpha: 1e-4 }, maxIter: 200, tol: 0 };
    const p0 = problemFromData(rt0, data);
    open.push(g, p0);
    const ref = solveSync(rt0, p0, opts);
    for (const memory of ['shared', 'private', 'message'] as const) {
      const rt = await rtFor(memory);
      const p = await problemFromDataParallel(rt, data, { threads: 2, memory });
      open.push(p);
      expect(p.op.describe()).toMatch(new RegExp(`2 threads \\(${memory} memory\\)`));
      const res = await solve(rt, p, opts);
      expect(relMaxDiff(res.estimate, ref.estimate)).toBeLessThan(1e-9);
    }
    await expect(problemFromDataParallel(rt0, { ...data, A: data.A.map((v, i) => (i === 5 ? NaN : v)) }, { threads: 2, memory: 'message' })).rejects.toThrow(/entry 5 .* NaN/);
  });
});
