/**
 * The demo's solver worker: builds a problem and runs a method with matsense (imported from the package
 * source), posting decimated live points while it runs and the full record when it ends. A run is stopped with
 * an AbortSignal ({type: 'stop'}); the page also terminates the worker if a stop is not honoured quickly
 * (e.g. while a large problem is still being generated).
 */
import {
  METHODS,
  createProblemParallel,
  createProblem,
  createRuntime,
  factorDistance,
  sharedMemorySupported,
  solve,
  type Callback,
  type IterateState,
  type Problem,
  type ProblemOptions,
  type RunResult,
  type Runtime,
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
  return { iter: [], loss: [], relError: [], relResidual: [], imbalance: [], svIter: [], sv: [] };
}

/**
 * Samples the iterates for the live plots: every iterate early on, then every `every`-th, so a long run sends
 * at most a few hundred points per curve. Singular values of F Gᵀ come from the thin SVD of the factors
 * (O((n1 + n2)k² + k³)), the imbalance from the k × k Gram matrices.
 */
class LiveSampler implements Callback {
  points = emptyPoints();
  private readonly every: number;
  private mstarNorm = 0;

  constructor(maxIter: number) {
    this.every = Math.max(1, Math.floor(maxIter / 300));
  }

  onSetup(s: { problem: Problem }): void {
    this.mstarNorm = s.problem.MstarNorm ?? 0;
  }

  onIterate(s: IterateState): void {
    const t = s.iter;
    if (t >= 20 && t % this.every !== 0) return;
    const p = this.points;
    p.iter.push(t);
    p.loss.push(s.loss);
    p.relResidual.push(s.relResidual);
    const { model, problem } = s;
    if (problem.Ustar && problem.Vstar && problem.sigma && this.mstarNorm > 0) {
      // from the factors (thin QRs), never the n1 × n2 estimate
      const e = s.estimate();
      p.relError.push(factorDistance(e.F.a, e.G.a, e.k, problem.Ustar, problem.sigma, problem.Vstar, problem.n1, problem.n2) / this.mstarNorm);
    } else {
      p.relError.push(NaN);
    }
    const F = model.F.a, G = model.G.a, { n1, n2, k } = model;
    p.imbalance.push(model.kind === 'asymmetric' ? imbalance(F, G, n1, n2, k) : 0);
    // singular values on a coarser grid (they are the most expensive sample)
    if (t < 20 ? t % 2 === 0 : t % (this.every * 2) === 0) {
      p.svIter.push(t);
      p.sv.push(Array.from(thinSvdOfProduct(F, G, n1, model.kind === 'asymmetric' ? n2 : n1, k).s));
    }
  }

  /** Hand over what was sampled since the last call. */
  take(): LivePoints {
    const p = this.points;
    this.points = emptyPoints();
    return p;
  }
}

/** ‖FᵀF − GᵀG‖_F. */
function imbalance(F: Float64Array, G: Float64Array, n1: number, n2: number, k: number): number {
  let s = 0;
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      let f = 0, g = 0;
      for (let i = 0; i < n1; i++) f += F[i * k + a] * F[i * k + b];
      for (let i = 0; i < n2; i++) g += G[i * k + a] * G[i * k + b];
      s += (a === b ? 1 : 2) * (f - g) * (f - g);
    }
  }
  return Math.sqrt(s);
}

/** Phase boundaries (from the spectral diagnostics, when the library recorded them) and run events, as plot markers. */
function markersOf(result: RunResult): PhaseMarker[] {
  const out: PhaseMarker[] = [];
  const ph = (result.diagnostics.spectral as SpectralRecord | undefined)?.phases;
  if (ph?.alignmentEnd !== undefined) out.push({ iter: ph.alignmentEnd, label: 'alignment ends' });
  if (ph?.saddleEscapeEnd !== undefined) out.push({ iter: ph.saddleEscapeEnd, label: 'saddle escaped: refinement' });
  for (const e of result.events) out.push({ iter: e.iter, label: e.kind });
  return out;
}

/** Singular-value trajectories of F Gᵀ from the library's spectral diagnostics, if it recorded them. */
function spectralSv(result: RunResult): { iter: number[]; values: number[][] } | undefined {
  const sp = result.diagnostics.spectral as SpectralRecord | undefined;
  if (!sp?.iter || !Array.isArray(sp.svProduct) || sp.svProduct.length !== sp.iter.length) return undefined;
  return { iter: Array.from(sp.iter), values: sp.svProduct.map((v) => Array.from(v)) };
}

/** Single-threaded runtime, and the shared-memory one used by threaded runs (created on first use). */
/** Indices of a record of length n worth plotting: all of the first 50, then at most ~1500 evenly spaced, and the last. */
function plotIndices(n: number): number[] {
  const stride = Math.max(1, Math.ceil(n / 1500));
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (i < 50 || i % stride === 0 || i === n - 1) out.push(i);
  return out;
}

function thin(a: ArrayLike<number>, idx: number[]): number[] {
  return idx.map((i) => a[i]);
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
    const mode = threadMode(), useThreads = p.threads > 1 && mode !== 'none', shared = useThreads && mode === 'shared';
    post({ type: 'status', id, text: `loading the kernels${shared ? ' (threaded build, shared memory)' : ''}…` });
    const runtime = shared ? (rtShared ??= await createRuntime({ shared: true })) : (rt ??= await createRuntime());
    post({ type: 'status', id, text: `generating the problem (${p.operator}, ${p.n1} × ${p.n2}, r = ${p.r}, m = ${p.m}${useThreads ? `, ${p.threads} threads` : ''})…` });
    if (ctrl.signal.aborted) throw Object.assign(new Error('stopped before the run started'), { name: 'Stopped' });
    const po: ProblemOptions = { operator: p.operator, n1: p.n1, n2: p.n2, r: p.r, m: p.m, kappa: p.kappa, seed: p.seed };
    problem = useThreads
      ? await createProblemParallel(runtime, { ...po, threads: p.threads, memory: shared ? 'shared' : 'message' })
      : createProblem(runtime, po);
    if (ctrl.signal.aborted) throw Object.assign(new Error('stopped before the run started'), { name: 'Stopped' });
    const sampler = new LiveSampler(p.maxIter);
    const opts: SolveOptions = {
      k: p.k,
      method: p.method,
      ...(p.eta !== undefined ? { eta: p.eta } : {}),
      init: { alpha: p.alpha },
      maxIter: p.maxIter,
      tol: p.tol,
      callbacks: [sampler],
      // spectral diagnostics (singular values of F Gᵀ, phase estimates) at ≤ ~300 samples per run
      diagnosticsEvery: Math.max(1, Math.floor(p.maxIter / 300)),
      signal: ctrl.signal,
      progressEveryMs: 100,
      onProgress: (pr) => post({ type: 'progress', id, iter: pr.iter, maxIter: pr.maxIter, points: sampler.take() }),
    };
    post({ type: 'status', id, text: 'running…' });
    const res = await solve(runtime, problem, opts);
    const rec = res.record;
    const keep = plotIndices(rec.iter.length);
    const spec = spectralSv(res);
    const sampled = sampler.take();
    const last = <T>(a: ArrayLike<T> | undefined): T | undefined => (a && a.length ? a[a.length - 1] : undefined);
    const summary: RunSummary = {
      method: res.method,
      iterations: res.iterations,
      stopReason: res.stopReason,
      message: res.message,
      finalRelError: last(rec.relError) ?? null,
      finalLoss: last(rec.loss) ?? NaN,
      eta: res.eta ?? null,
      timeMs: res.timeMs,
      msPerIter: res.iterations > 0 ? res.timeMs / res.iterations : 0,
      threads: useThreads ? p.threads : 1,
      threadMode: useThreads ? mode : 'none',
      warnings: res.warnings,
      record: {
        iter: thin(rec.iter, keep),
        loss: thin(rec.loss, keep),
        relError: rec.relError ? thin(rec.relError, keep) : null,
        imbalance: rec.imbalance ? thin(rec.imbalance, keep) : null,
      },
      // null: the page keeps the singular values it sampled live
      sv: spec ?? null,
      markers: markersOf(res),
    };
    post({ type: 'progress', id, iter: res.iterations, maxIter: p.maxIter, points: sampled });
    post({ type: 'done', id, summary });
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
    methods: Object.values(METHODS).map((m) => ({ name: m.name, summary: m.summary, params: m.params.map((q) => q.name) })),
  },
});
