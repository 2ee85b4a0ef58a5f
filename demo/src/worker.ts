/**
 * The demo's solver worker: builds a problem and runs a method with matsense (imported from the package source) —
 * or one of the papers' comparisons, several runs on the same data one after another — posting decimated live points
 * while each runs and the full records when all end. A run is stopped with an AbortSignal ({type: 'stop'}); the page
 * also terminates the worker if a stop is not honoured quickly (e.g. while a large problem is still being generated).
 */
import {
  DenseOperator,
  METHODS,
  createProblemParallel,
  createProblem,
  createRuntime,
  factorDistance,
  problemFromOperator,
  sharedMemorySupported,
  solve,
  type Callback,
  type IterateState,
  type Problem,
  type ProblemOptions,
  type RunResult,
  type Runtime,
  type SetupState,
  SpectralDiagnostics,
  type SolveOptions,
  type SpectralRecord,
} from '../../src/index.js';
import { thinSvdOfProduct } from '../../src/linalg/index.js';
import type { FromWorker, LivePoints, PhaseMarker, RunParams, RunSummary, ThreadMode, ToWorker } from './protocol.js';

const post = (msg: FromWorker): void => (self as unknown as Worker).postMessage(msg);

/**
 * How runs can be threaded here. With shared memory (the page is cross-origin isolated), createProblemParallel splits
 * the operator's rows over a pool of workers on one shared wasm memory, driven through an Atomics barrier (allowed in
 * this worker). Without it, the workers own their rows and exchange vectors by message (asynchronous passes).
 */
function threadMode(): ThreadMode {
  if (sharedMemorySupported()) return 'shared';
  return typeof Worker !== 'undefined' ? 'message' : 'none';
}

function emptyPoints(): LivePoints {
  return { iter: [], loss: [], relError: [], testError: [], imbalance: [], svIter: [], sv: [] };
}

/**
 * Samples the iterates for the live plots: every iterate early on, then every `every`-th, so a long run sends at most a
 * few hundred points per curve. Singular values of F Gᵀ come from the thin SVD of the factors (O((n1 + n2)k² + k³)),
 * the imbalance from the k × k Gram matrices. Its own time is measured, so that the solver's time per iteration can
 * be reported without it. The saddle escape (σ_r(F Gᵀ) ≥ ½σ_r(M*)) is marked live.
 */
class LiveSampler implements Callback {
  points = emptyPoints();
  markers: PhaseMarker[] = [];
  ms = 0;
  private readonly every: number;
  private mstarNorm = 0;
  private escaped = false;

  constructor(maxIter: number, private readonly sigmaR: number | undefined) {
    this.every = Math.max(1, Math.floor(maxIter / 300));
  }

  onSetup(s: { problem: Problem }): void {
    this.mstarNorm = s.problem.MstarNorm ?? 0;
  }

  onIterate(s: IterateState): void {
    const t = s.iter;
    if (t >= 20 && t % this.every !== 0) return;
    const t0 = performance.now();
    const p = this.points;
    p.iter.push(t);
    p.loss.push(s.loss);
    const { model, problem } = s;
    if (problem.Ustar && problem.Vstar && problem.sigma && this.mstarNorm > 0) {
      // from the factors (thin QRs), never the n1 × n2 estimate
      const e = s.estimate();
      p.relError.push(factorDistance(e.F.a, e.G.a, e.k, problem.Ustar, problem.sigma, problem.Vstar, problem.n1, problem.n2) / this.mstarNorm);
    } else {
      p.relError.push(NaN);
    }
    p.testError.push(NaN); // the test error comes with the final record
    const F = model.F.a, G = model.G.a, { n1, n2, k } = model;
    p.imbalance.push(model.kind === 'asymmetric' ? imbalance(F, G, n1, n2, k) : 0);
    // singular values on a coarser grid (they are the most expensive sample)
    if (t < 20 ? t % 2 === 0 : t % (this.every * 2) === 0) {
      const sv = Array.from(thinSvdOfProduct(F, G, n1, model.kind === 'asymmetric' ? n2 : n1, k).s);
      p.svIter.push(t);
      p.sv.push(sv);
      const r = problem.r;
      if (!this.escaped && r !== undefined && this.sigmaR !== undefined && sv.length >= r && sv[r - 1]! >= 0.5 * this.sigmaR) {
        this.escaped = true;
        this.markers.push({ iter: t, label: 'saddle escaped' });
      }
    }
    this.ms += performance.now() - t0;
  }

  /** Hand over what was sampled since the last call. */
  take(): LivePoints {
    const p = this.points;
    this.points = emptyPoints();
    return p;
  }
}

/**
 * The library's spectral diagnostics (singular values, phase estimates), timed: the solver's time per iteration is
 * reported without the diagnostics the page asked for.
 */
class TimedSpectral implements Callback {
  readonly name = 'spectral';
  ms = 0;
  private readonly inner: SpectralDiagnostics;
  constructor(every: number) { this.inner = new SpectralDiagnostics({ every }); }
  private timed<T>(f: () => T): T { const t0 = performance.now(); try { return f(); } finally { this.ms += performance.now() - t0; } }
  onSetup(s: SetupState): void { this.timed(() => this.inner.onSetup(s)); }
  onIterate(s: IterateState): void { this.timed(() => this.inner.onIterate(s)); }
  onFinish(): void { this.timed(() => this.inner.onFinish()); }
  result(): SpectralRecord { return this.inner.result(); }
}

/** ‖FᵀF − GᵀG‖_F. */
function imbalance(F: Float64Array, G: Float64Array, n1: number, n2: number, k: number): number {
  let s = 0;
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      let f = 0, g = 0;
      for (let i = 0; i < n1; i++) f += F[i * k + a]! * F[i * k + b]!;
      for (let i = 0; i < n2; i++) g += G[i * k + a]! * G[i * k + b]!;
      s += (a === b ? 1 : 2) * (f - g) * (f - g);
    }
  }
  return Math.sqrt(s);
}

/** Phase boundaries (from the spectral diagnostics, when the library recorded them) and run events, as plot markers. */
function markersOf(result: RunResult): PhaseMarker[] {
  const out: PhaseMarker[] = [];
  const ph = (result.diagnostics.spectral as SpectralRecord | undefined)?.phases;
  if (ph?.alignmentEnd !== undefined) out.push({ iter: ph.alignmentEnd, label: 'aligned' });
  if (ph?.saddleEscapeEnd !== undefined) out.push({ iter: ph.saddleEscapeEnd, label: 'escaped: refinement' });
  for (const e of result.events) out.push({ iter: e.iter, label: e.kind });
  return out;
}

/** Singular-value trajectories of F Gᵀ from the library's spectral diagnostics, if it recorded them. */
function spectralSv(result: RunResult): { iter: number[]; values: number[][] } | undefined {
  const sp = result.diagnostics.spectral as SpectralRecord | undefined;
  if (!sp?.iter || !Array.isArray(sp.svProduct) || sp.svProduct.length !== sp.iter.length) return undefined;
  return { iter: Array.from(sp.iter), values: sp.svProduct.map((v) => Array.from(v)) };
}

/** Indices of a record of length n worth plotting: all of the first 50, then at most ~1500 evenly spaced, and the last. */
function plotIndices(n: number): number[] {
  const stride = Math.max(1, Math.ceil(n / 1500));
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (i < 50 || i % stride === 0 || i === n - 1) out.push(i);
  return out;
}

function thin(a: ArrayLike<number>, idx: number[]): number[] {
  return idx.map((i) => a[i]!);
}

/** The runs a comparison makes: a label, the model, the method and α of each. */
function plan(p: RunParams): { label: string; model: RunParams['model']; method: string; alpha: number }[] {
  switch (p.compare) {
    case 'alpha':
      return [1, 1e-2, 1e-4].map((f) => ({ label: `α = ${(p.alpha * f).toExponential(0)}`, model: p.model, method: p.method, alpha: p.alpha * f }));
    case 'rebalance':
      return ['gd', 'gd-rebalance'].map((method) => ({ label: method === 'gd' ? 'GD' : 'GD + one-step modification', model: p.model, method, alpha: p.alpha }));
    case 'model':
      // Xiong, Ding & Du's comparison is of plain GD on both models (several methods fit F Gᵀ only)
      return (['symmetric', 'asymmetric'] as const).map((model) => ({ label: model === 'symmetric' ? 'X Xᵀ' : 'F Gᵀ', model, method: 'gd', alpha: p.alpha }));
    default:
      return [{ label: `${p.method}, α = ${p.alpha}`, model: p.model, method: p.method, alpha: p.alpha }];
  }
}

/**
 * The data of a run. A symmetric target for X Xᵀ; for the X Xᵀ vs F Gᵀ comparison one symmetric PSD target measured
 * by a general Gaussian operator, the same data for both models (a symmetric operator would hide the antisymmetric
 * part of F Gᵀ from the loss).
 */
async function makeProblem(runtime: Runtime, p: RunParams, threads: number, memory: 'shared' | 'message'): Promise<Problem> {
  const symmetric = p.model === 'symmetric' || p.compare === 'model';
  const mTest = p.operator === 'completion' ? Math.min(200, p.n1 * p.n2 - p.m) : 200;
  const po: ProblemOptions = {
    operator: p.operator, n1: p.n1, n2: symmetric ? p.n1 : p.n2, r: p.r, m: p.m, kappa: p.kappa, seed: p.seed,
    symmetric, ...(mTest > 0 ? { mTest } : {}),
  };
  if (p.compare === 'model') {
    const t = createProblem(runtime, { ...po, m: 1, mTest: undefined, operator: 'gaussian' });
    const U = t.Ustar!.slice(), sigma = t.sigma!.slice(), n = p.n1, r = p.r;
    t.dispose();
    const M = new Float64Array(n * n);
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) { let v = 0; for (let j = 0; j < r; j++) v += U[a * r + j]! * sigma[j]! * U[b * r + j]!; M[a * n + b] = v; }
    const op = DenseOperator.gaussian(runtime, { m: p.m, n1: n, n2: n, seed: p.seed + 1000 });
    const y = new Float64Array(p.m);
    op.apply(M, y);
    return problemFromOperator(runtime, { op, y, truth: { U, sigma, V: U }, r, symmetric: true });
  }
  return threads > 1 ? createProblemParallel(runtime, { ...po, threads, memory }) : createProblem(runtime, po);
}

let rt: Runtime | undefined;
let rtShared: Runtime | undefined;
let current: { id: number; ctrl: AbortController } | undefined;
/** Runs are serialized: a new one starts once the previous one (aborted) has ended. */
let queue: Promise<void> = Promise.resolve();
/** Ids of runs stopped before they started. */
const stopped = new Set<number>();

async function run(id: number, p: RunParams): Promise<void> {
  const ctrl = new AbortController();
  current = { id, ctrl };
  if (stopped.has(id)) ctrl.abort();
  let problem: Problem | undefined;
  try {
    const mode = threadMode(), useThreads = p.threads > 1 && mode !== 'none' && p.compare !== 'model', shared = useThreads && mode === 'shared';
    post({ type: 'status', id, text: `loading the kernels${shared ? ' (threaded build, shared memory)' : ''}…` });
    const runtime = shared ? (rtShared ??= await createRuntime({ shared: true })) : (rt ??= await createRuntime());
    post({ type: 'status', id, text: `generating the problem (${p.operator}, ${p.n1} × ${p.n2}, r = ${p.r}, m = ${p.m}${useThreads ? `, ${p.threads} threads` : ''})…` });
    if (ctrl.signal.aborted) throw Object.assign(new Error('stopped before the run started'), { name: 'Stopped' });
    problem = await makeProblem(runtime, p, useThreads ? p.threads : 1, shared ? 'shared' : 'message');
    const sigmaStar = problem.sigma ? Array.from(problem.sigma) : [];
    const runs = plan(p), summaries: RunSummary[] = [];
    for (const [index, spec] of runs.entries()) {
      if (ctrl.signal.aborted) break;
      post({ type: 'start', id, run: { index, label: spec.label }, count: runs.length, sigmaStar });
      const sampler = new LiveSampler(p.maxIter, sigmaStar[p.r - 1]);
      const spectral = new TimedSpectral(Math.max(1, Math.floor(p.maxIter / 300)));
      const params = spec.method === p.method ? p.params : {};
      const opts: SolveOptions = {
        k: p.k,
        model: spec.model,
        method: spec.method,
        ...(p.eta !== undefined ? { eta: p.eta } : {}),
        ...(Object.keys(params).length ? { params } : {}),
        init: { alpha: spec.alpha },
        maxIter: p.maxIter,
        tol: p.tol,
        // spectral diagnostics (singular values of F Gᵀ, phase estimates) at ≤ ~300 samples per run, timed
        callbacks: [sampler, spectral],
        signal: ctrl.signal,
        progressEveryMs: 100,
        onProgress: (pr) => post({ type: 'progress', id, run: index, iter: pr.iter, maxIter: pr.maxIter, points: sampler.take(), markers: sampler.markers.splice(0) }),
      };
      post({ type: 'status', id, text: runs.length > 1 ? `running ${spec.label} (${index + 1} of ${runs.length})…` : 'running…' });
      const res = await solve(runtime, problem, opts);
      const rec = res.record;
      const keep = plotIndices(rec.iter.length);
      const last = <T>(a: ArrayLike<T> | undefined): T | undefined => (a && a.length ? a[a.length - 1] : undefined);
      summaries.push({
        label: spec.label, method: res.method, model: res.model, k: res.k, r: p.r, alpha: spec.alpha,
        iterations: res.iterations, stopReason: res.stopReason, message: res.message,
        finalRelError: last(rec.relError) ?? null, finalTestError: last(rec.testError) ?? null, finalLoss: last(rec.loss) ?? NaN,
        eta: res.eta ?? null, timeMs: res.timeMs,
        msPerIter: res.iterations > 0 ? Math.max(0, res.timeMs - sampler.ms - spectral.ms) / res.iterations : 0, // sampling and diagnostics excluded
        threads: useThreads ? p.threads : 1, threadMode: useThreads ? mode : 'none',
        warnings: res.warnings, events: res.events.map((e) => ({ iter: e.iter, kind: e.kind, detail: e.detail })),
        record: {
          iter: thin(rec.iter, keep), loss: thin(rec.loss, keep),
          relError: rec.relError ? thin(rec.relError, keep) : null,
          testError: rec.testError ? thin(rec.testError, keep) : null,
          imbalance: rec.imbalance ? thin(rec.imbalance, keep) : null,
        },
        // null: the page keeps the singular values it sampled live
        sv: spectralSv(res) ?? null,
        sigmaStar,
        markers: markersOf(res),
      });
      post({ type: 'progress', id, run: index, iter: res.iterations, maxIter: p.maxIter, points: sampler.take(), markers: sampler.markers.splice(0) });
    }
    post({ type: 'done', id, summaries });
  } catch (e) {
    const err = e as Error;
    post({ type: 'error', id, name: err?.name ?? 'Error', message: err?.message ?? String(e) });
  } finally {
    problem?.dispose();
    if (current?.id === id) current = undefined;
  }
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  if (msg.type === 'run') {
    current?.ctrl.abort();
    queue = queue.then(() => run(msg.id, msg.params));
  } else if (msg.type === 'stop') {
    if (current && current.id === msg.id) current.ctrl.abort();
    else stopped.add(msg.id);
  }
};

post({
  type: 'ready',
  info: {
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    sharedMemory: sharedMemorySupported(),
    threadMode: threadMode(),
    hardwareConcurrency: navigator.hardwareConcurrency ?? 1,
    methods: Object.values(METHODS).map((m) => ({ name: m.name, summary: m.summary, models: [...m.models], params: m.params.map((q) => ({ name: q.name, doc: q.doc })) })),
  },
});
