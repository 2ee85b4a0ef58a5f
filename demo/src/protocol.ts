/** Messages between the demo page and its solver worker. */

/** What the page asks the worker to run (already parsed from the form; the library validates it again). */
export interface RunParams {
  /** The measurement operator: dense Gaussian, matrix completion (m observed entries) or rank-one a_i b_iᵀ. */
  operator: 'gaussian' | 'completion' | 'rank-one';
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
  /** Worker threads for the operator passes (1 = single-threaded). */
  threads: number;
  maxIter: number;
  tol: number;
  seed: number;
}

export type ToWorker = { type: 'run'; id: number; params: RunParams } | { type: 'stop'; id: number };

/** Points recorded since the previous progress message (decimated; iteration numbers ascending). */
export interface LivePoints {
  iter: number[];
  loss: number[];
  relError: number[];
  relResidual: number[];
  imbalance: number[];
  /** Singular values of the estimate F Gᵀ at `svIter[i]`, descending. */
  svIter: number[];
  sv: number[][];
}

export interface PhaseMarker {
  iter: number;
  label: string;
}

/** The part of a finished run the page shows. */
export interface RunSummary {
  method: string;
  iterations: number;
  stopReason: string;
  message: string;
  finalRelError: number | null;
  finalLoss: number;
  eta: number | null;
  timeMs: number;
  msPerIter: number;
  threads: number;
  /** How the threads exchange data: one shared wasm memory, or messages (no SharedArrayBuffer). */
  threadMode: ThreadMode;
  warnings: string[];
  /** The per-iteration record (every iterate for short runs, at most ~1600 points; replaces the live samples). */
  record: { iter: number[]; loss: number[]; relError: number[] | null; imbalance: number[] | null };
  /** Singular values from the library's spectral diagnostics when present (null: use the live samples). */
  sv: { iter: number[]; values: number[][] } | null;
  markers: PhaseMarker[];
}

export type FromWorker =
  | { type: 'ready'; info: WorkerInfo }
  | { type: 'status'; id: number; text: string }
  | { type: 'progress'; id: number; iter: number; maxIter: number; points: LivePoints }
  | { type: 'done'; id: number; summary: RunSummary }
  | { type: 'error'; id: number; name: string; message: string };

export interface WorkerInfo {
  crossOriginIsolated: boolean;
  sharedMemory: boolean;
  /** How threaded runs work here: 'shared' (isolated page), 'message' (workers without shared memory), 'none'. */
  threadMode: ThreadMode;
  hardwareConcurrency: number;
  methods: { name: string; summary: string; params: string[] }[];
}

/** 'shared': one shared WebAssembly memory and an Atomics barrier; 'message': workers own their rows and exchange
 * vectors by message (no SharedArrayBuffer); 'none': no nested workers here, single-threaded. */
export type ThreadMode = 'shared' | 'message' | 'none';
