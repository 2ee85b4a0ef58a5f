// Message-mode workers (no SharedArrayBuffer needed): each owns its rows in a private memory and answers one message
// per pass. Checked against the single-threaded operator and solver, for its errors, and for its lifecycle.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Runtime } from '../../src/runtime.js';
import { DenseOperator } from '../../src/operators/dense.js';
import { MessageDenseOperator } from '../../src/operators/message.js';
import { createProblem } from '../../src/problems/generate.js';
import { problemFromData, problemFromDataParallel } from '../../src/problems/data.js';
import { createProblemParallel } from '../../src/workers/problem.js';
import { solve, solveSync, createSolver } from '../../src/solvers/solve.js';
import { solveBatch } from '../../src/solvers/batch.js';
import { withGram } from '../../src/operators/gram.js';
import { StateError, ValidationError } from '../../src/errors.js';
import { randArray, relMaxDiff } from '../helpers.js';

describe('MessageDenseOperator', () => {
  // ragged m (not a multiple of 4 per block), N not a multiple of 4; 1, 2 and 3 workers
  it.each([1, 2, 3])('threads %i: the operator bits and every pass equal the single-threaded operator', async (threads) => {
    const m = 53, n1 = 5, n2 = 7, N = n1 * n2;
    const rt = await Runtime.create();
    const ref = DenseOperator.gaussian(rt, { m, n1, n2, seed: 9 });
    const op = await MessageDenseOperator.gaussian(rt, { m, n1, n2, seed: 9, threads });
    expect(op.asynchronous).toBe(true);
    const x = randArray(N, 1), b = randArray(m, 2), v = randArray(m, 3);
    const y0 = ref.apply(x, new Float64Array(m)), y1 = await op.applyAsync(x, new Float64Array(m));
    expect(Array.from(y1)).toEqual(Array.from(y0)); // same rows, same kernel: bit-identical
    const S0 = ref.adjoint(v, new Float64Array(N)), S1 = await op.adjointAsync(v, new Float64Array(N));
    expect(relMaxDiff(S1, S0)).toBeLessThan(1e-12); // only the order of the sum over row blocks differs
    for (const precision of ['f64', 'mixed', 'f32'] as const) {
      ref.precision = precision; op.precision = precision;
      const r0 = new Float64Array(m), r1 = new Float64Array(m), E0 = new Float64Array(N), E1 = new Float64Array(N);
      const ss0 = ref.residualAdjoint(x, b, r0, E0), ss1 = await op.residualAdjointAsync(x, b, r1, E1);
      const tol = precision === 'f32' ? 1e-6 : 1e-12;
      expect(relMaxDiff(r1, r0)).toBeLessThan(precision === 'f32' ? 1e-6 : 1e-15);
      expect(relMaxDiff(E1, E0)).toBeLessThan(tol);
      expect(Math.abs(ss1 - ss0) / ss0).toBeLessThan(tol);
    }
    await op.close();
    expect(op.exitedWorkers).toBe(op.threads);
  });

  it('its synchronous passes throw a StateError that names the async ones', async () => {
    const rt = await Runtime.create();
    const op = await MessageDenseOperator.gaussian(rt, { m: 10, n1: 3, n2: 3, threads: 2 });
    expect(() => op.apply(new Float64Array(9), new Float64Array(10))).toThrow(StateError);
    expect(() => op.adjoint(new Float64Array(10), new Float64Array(9))).toThrow(/adjointAsync/);
    await expect(op.applyAsync(new Float64Array(8), new Float64Array(10))).rejects.toThrow(/length 8, expected 9/);
    await op.close();
    await expect(op.applyAsync(new Float64Array(9), new Float64Array(10))).rejects.toThrow(/closed/);
  });

  it('a worker that dies fails the pass in flight and every later one with a WorkerError (no hang)', async () => {
    const rt = await Runtime.create();
    const op = await MessageDenseOperator.gaussian(rt, { m: 40, n1: 4, n2: 4, seed: 2, threads: 2 });
    const x = randArray(16, 5), out = new Float64Array(40);
    const handles = (op as unknown as { pool: { handles: { worker: { terminate(): unknown } }[] } }).pool.handles;
    const inFlight = op.applyAsync(x, out);
    void handles[1].worker.terminate();
    // the reply may or may not beat the termination; if it does not, the pass fails (it must not hang)
    const first = await inFlight.then(() => null, (e: Error) => e);
    if (first) expect(first.message).toMatch(/worker 1 exited during a pass/);
    await expect(op.applyAsync(x, out)).rejects.toThrow(/worker 1 (has exited|exited during a pass)/);
    await expect(op.applyAsync(x, out)).rejects.toThrow(/worker 1 has exited/);
    await op.close();
  });

  it('writes into a view of wasm memory even when the memory grows while the pass is in flight', async () => {
    const rt = await Runtime.create();
    const op = await MessageDenseOperator.gaussian(rt, { m: 40, n1: 4, n2: 4, seed: 2, threads: 2 });
    const ref = DenseOperator.gaussian(rt, { m: 40, n1: 4, n2: 4, seed: 2 });
    const out = rt.f64(40, 0), x = randArray(16, 4);
    const pending = op.applyAsync(x, out.a);
    const big = rt.f64(4 << 20); // 32 MiB: grows the memory, detaching out.a
    await pending;
    expect(Array.from(out.a)).toEqual(Array.from(ref.apply(x, new Float64Array(40))));
    big.free(); out.free();
    await op.close();
  });
});

describe('solving over message-mode workers', () => {
  const po = { n1: 16, n2: 12, r: 2, m: 601, seed: 3, mTest: 50 };

  it("createProblemParallel({ memory: 'message' }) gives the same problem, and solve() the same run as one thread", async () => {
    const rt = await Runtime.create();
    const p0 = createProblem(rt, po);
    const p1 = await createProblemParallel(rt, { ...po, threads: 3, memory: 'message' });
    expect(p1.op).toBeInstanceOf(MessageDenseOperator);
    expect(Array.from(p1.y.a)).toEqual(Array.from(p0.y.a));
    expect(p1.adjointOfY).toBeInstanceOf(Float64Array);
    const opts = { k: 4, init: { alpha: 1e-7 }, maxIter: 400, tol: 1e-9 };
    const r0 = solveSync(rt, p0, opts);
    const r1 = await solve(rt, p1, opts);
    expect(r1.iterations).toBe(r0.iterations);
    expect(r1.stopReason).toBe(r0.stopReason);
    expect(relMaxDiff(r1.estimate, r0.estimate)).toBeLessThan(1e-9);
    expect(relMaxDiff(r1.record.relError!, r0.record.relError!)).toBeLessThan(1e-7);
    expect(relMaxDiff(r1.record.testError!, r0.record.testError!)).toBeLessThan(1e-7);
    expect(r1.record.relError!.at(-1)).toBeLessThan(1e-6);
    // default step size and spectral init come from the precomputed A*(y): same as one thread
    const s0 = solveSync(rt, p0, { k: 2, method: 'scaledgd', maxIter: 20, tol: 0 });
    const s1 = await solve(rt, p1, { k: 2, method: 'scaledgd', maxIter: 20, tol: 0 });
    expect(relMaxDiff(s1.estimate, s0.estimate)).toBeLessThan(1e-9);
    p1.dispose();
    await (p1.op as MessageDenseOperator).close();
    p0.dispose();
  });

  it('step by step: stepAsync works, step()/run() refuse with a clear error; AGN, batches and Gram mode refuse up front', async () => {
    const rt = await Runtime.create();
    const p = await createProblemParallel(rt, { ...po, threads: 2, memory: 'message' });
    const s = createSolver(rt, p, { k: 3, maxIter: 5, tol: 0 }).setup();
    expect(() => s.step()).toThrow(/stepAsync/);
    expect(() => s.run()).toThrow(/runAsync/);
    const pending = s.stepAsync();
    expect(() => s.dispose()).toThrow(/pending/);
    expect(await pending).toBe(true);
    while (await s.stepAsync());
    expect(s.finalize().iterations).toBe(5);
    s.dispose();
    expect(() => createSolver(rt, p, { k: 2, method: 'agn' })).toThrow(ValidationError);
    expect(() => solveBatch(rt, p, { k: 2, trajectories: [{}] })).toThrow(/synchronous passes/);
    expect(() => withGram(rt, p)).toThrow(/Gram mode needs/);
    p.dispose();
  });

  it('async iteration and abort work as with any operator', async () => {
    const rt = await Runtime.create();
    const p = await createProblemParallel(rt, { ...po, threads: 2, memory: 'message' });
    const s = createSolver(rt, p, { k: 3, maxIter: 1000, tol: 0 });
    let seen = 0;
    for await (const prog of s.iterate({ every: 5 })) { seen = prog.iter; if (prog.iter >= 20) break; }
    const res = s.finalize();
    expect(seen).toBe(20);
    expect(res.stopReason).toBe('aborted');
    s.dispose();
    const ac = new AbortController();
    const r2 = await solve(rt, p, { k: 3, maxIter: 100000, tol: 0, signal: ac.signal, onProgress: (q) => { if (q.iter > 10) ac.abort(); }, progressEveryMs: 0 });
    expect(r2.stopReason).toBe('aborted');
    p.dispose();
  });

  it('problemFromDataParallel (shared, private, message) gives the same run as problemFromData', async () => {
    const rt0 = await Runtime.create();
    const g = createProblem(rt0, { n1: 9, n2: 7, r: 2, m: 221, seed: 5 });
    const data = { n1: 9, n2: 7, A: g.op instanceof DenseOperator ? g.op.A.a.slice() : new Float32Array(0), y: g.y.a.slice(), Mstar: g.Mstar!.a.slice(), r: 2 };
    const opts = { k: 3, init: { alpha: 1e-4 }, maxIter: 200, tol: 0 };
    const ref = solveSync(rt0, problemFromData(rt0, data), opts);
    for (const memory of ['shared', 'private', 'message'] as const) {
      const rt = await Runtime.create({ shared: memory === 'shared' });
      const p = await problemFromDataParallel(rt, data, { threads: 2, memory });
      expect(p.op.name).toMatch(memory === 'message' ? /-message$/ : memory === 'private' ? /-private$/ : /×2$/);
      const res = await solve(rt, p, opts);
      expect(relMaxDiff(res.estimate, ref.estimate)).toBeLessThan(1e-9);
      expect(res.record.relError!.at(-1)).toBeLessThan(1e-3);
      p.dispose();
    }
    await expect(problemFromDataParallel(rt0, { ...data, A: data.A.map((v, i) => (i === 5 ? NaN : v)) }, { threads: 2, memory: 'message' })).rejects.toThrow(/entry 5 .* NaN/);
    g.dispose();
  });

  const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
  // A pass awaited at top level must keep the process alive until its reply (workers are referenced only then), and a
  // forgotten operator must not keep the process alive afterwards.
  it.skipIf(!existsSync(dist))('a Node process waits for a pending pass and exits after a run, a forgotten operator or an error', () => {
    for (const scenario of ['run', 'forgotten', 'error']) {
      const code = `
        import { createRuntime, createProblemParallel, solve } from ${JSON.stringify(dist)};
        const s = ${JSON.stringify(scenario)};
        const rt = await createRuntime();
        const p = await createProblemParallel(rt, { n1: 10, r: 2, m: 300, seed: 1, threads: 2, memory: 'message' });
        if (s === 'error') { try { await solve(rt, p, { k: 2, method: 'agn' }); } catch (e) { console.log('caught', e.name); } }
        const res = await solve(rt, p, { k: 2, maxIter: 50, tol: 0 });
        console.log('iterations', res.iterations);
        if (s === 'run') { p.dispose(); await p.op.close(); }
        console.log('done', s);`;
      const t0 = Date.now();
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20000 });
      expect(r.status, `${scenario}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('iterations 50');
      expect(r.stdout).toContain(`done ${scenario}`);
      expect(Date.now() - t0).toBeLessThan(15000);
    }
  });
});
