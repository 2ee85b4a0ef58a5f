/** Messages between the demo page and its solver worker. */

/** The papers' central comparisons, run one after another on the same data and overlaid on the same axes. */
export type Compare = 'none' | 'alpha' | 'rebalance' | 'model';

/** What the page asks the worker to run (already parsed from the form; the library validates it again). */
export interface RunParams {
  /** The measurement operator: dense Gaussian, matrix completion (m observed entries) or rank-one a_i b_iᵀ. */
  operator: 'gaussian' | 'completion' | 'rank-one';
  /** F Gᵀ, or X Xᵀ (a symmetric PSD target). */
  model: 'asymmetric' | 'symmetric';
  n1: number;
  n2: number;
  r: number;
  k: number;
  m: number;
  kappa: number;
  alpha: number;
  /** Step size; undefined = the method's data-derived default. */
  eta?: number;
  method: string;
  /** The method's other parameters (e.g. gd-rebalance's tau), as given in the form. */
  params: Record<string, number>;
  /** Worker threads for the operator passes (1 = single-threaded). */
  threads: number;
  maxIter: number;
  tol: number;
  seed: number;
  compare: Compare;
}

export type ToWorker = { type: 'run'; id: number; params: RunParams } | { type: 'stop'; id: number };

/** Points recorded since the previous progress message (decimated; iteration numbers ascending). */
export interface LivePoints {
  iter: number[];
  loss: number[];
  relError: number[];
  testError: number[];
  imbalance: number[];
  /** Singular values of the estimate F Gᵀ at `svIter[i]`, descending. */
  svIter: number[];
  sv: number[][];
}

export interface PhaseMarker {
  iter: number;
  label: string;
}

/** One run of a comparison (a single run is a comparison of one). */
export interface RunLabel {
  index: number;
  label: string;
}

/** The part of a finished run the page shows. */
export interface RunSummary {
  label: string;
  method: string;
  model: 'asymmetric' | 'symmetric';
  k: number;
  r: number;
  alpha: number;
  iterations: number;
  stopReason: string;
  message: string;
  finalRelError: number | null;
  finalTestError: number | null;
  finalLoss: number;
  eta: number | null;
  /** Wall time of the solve, and of the solver alone per iteration (the live sampling for the plots excluded). */
  timeMs: number;
  msPerIter: number;
  threads: number;
  /** How the threads exchange data: one shared wasm memory, or messages (no SharedArrayBuffer). */
  threadMode: ThreadMode;
  warnings: string[];
  events: { iter: number; kind: string; detail?: string }[];
  /** The per-iteration record (every iterate for short runs, at most ~1600 points; replaces the live samples). */
  record: { iter: number[]; loss: number[]; relError: number[] | null; testError: number[] | null; imbalance: number[] | null };
  /** Singular values from the library's spectral diagnostics when present (null: use the live samples). */
  sv: { iter: number[]; values: number[][] } | null;
  /** σ(M*), for the reference lines. */
  sigmaStar: number[];
  markers: PhaseMarker[];
}

export type FromWorker =
  | { type: 'ready'; info: WorkerInfo }
  | { type: 'status'; id: number; text: string }
  | { type: 'start'; id: number; run: RunLabel; count: number; sigmaStar: number[] }
  | { type: 'progress'; id: number; run: number; iter: number; maxIter: number; points: LivePoints; markers: PhaseMarker[] }
  | { type: 'done'; id: number; summaries: RunSummary[] }
  | { type: 'error'; id: number; name: string; message: string };

export interface WorkerInfo {
  crossOriginIsolated: boolean;
  sharedMemory: boolean;
  /** How threaded runs work here: 'shared' (isolated page), 'message' (workers without shared memory), 'none'. */
  threadMode: ThreadMode;
  hardwareConcurrency: number;
  methods: { name: string; summary: string; models: string[]; params: { name: string; doc: string }[] }[];
}

/** 'shared': one shared WebAssembly memory and an Atomics barrier; 'message': workers own their rows and exchange
 * vectors by message (no SharedArrayBuffer); 'none': no nested workers here, single-threaded. */
export type ThreadMode = 'shared' | 'message' | 'none';
