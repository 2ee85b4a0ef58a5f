/**
 * Writers for a finished run: the record as JSON or CSV (`--out run.json|run.csv`) and the factors, estimate and
 * record as a NumPy archive (`--save run.npz`, readable with `np.load`).
 */
import { extname } from 'node:path';
import type { NpyArray } from '../io/npy.js';
import { saveNpz, writeFileAtomic } from '../io/node.js';
import { toCsv } from '../plots/csv.js';
import type { RunRecord } from '../diagnostics/record.js';
import type { RunResult } from '../solvers/solver.js';
import type { SpectralRecord } from '../diagnostics/spectral.js';
import { UsageError } from './args.js';

/** The record's per-iteration columns, in a fixed order (absent metrics left out). */
export function recordColumns(rec: RunRecord): Record<string, ArrayLike<number>> {
  const cols: Record<string, ArrayLike<number>> = { iter: rec.iter, loss: rec.loss, relResidual: rec.relResidual };
  if (rec.relError) cols.relError = rec.relError;
  if (rec.testError) cols.testError = rec.testError;
  cols.gradNorm = rec.gradNorm;
  if (rec.imbalance) cols.imbalance = rec.imbalance;
  cols.timeMs = rec.timeMs;
  return cols;
}

/** Check an `--out` path's extension before the run starts. */
export function checkOutPath(path: string): 'json' | 'csv' {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.csv') return 'csv';
  throw new UsageError(`--out must end in .json or .csv, got '${path}'`);
}

/** Check a `--save` path's extension before the run starts. */
export function checkSavePath(path: string): void {
  if (extname(path).toLowerCase() !== '.npz') throw new UsageError(`--save must end in .npz, got '${path}'`);
}

/** A JSON-able description of a run: settings, outcome and the record (arrays as plain lists). */
export function runToJson(res: RunResult, meta: Record<string, unknown>): Record<string, unknown> {
  const record: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(recordColumns(res.record))) record[k] = Array.from(v, (x) => (Number.isFinite(x) ? x : (null as unknown as number)));
  return {
    matsense: 1,
    ...meta,
    method: res.method, model: res.model, n1: res.n1, n2: res.n2, k: res.k, eta: res.eta ?? null, params: res.params,
    iterations: res.iterations, stopReason: res.stopReason, message: res.message, timeMs: res.timeMs,
    events: res.events, warnings: res.warnings,
    final: Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v[v.length - 1] ?? null])),
    record,
    diagnostics: jsonSafe(res.diagnostics),
  };
}

function jsonSafe(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]));
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

/** Write `--out` (JSON or CSV by extension), atomically: a failed write leaves any previous file as it was. */
export async function writeRunRecord(path: string, res: RunResult, meta: Record<string, unknown>): Promise<void> {
  if (checkOutPath(path) === 'json') await writeFileAtomic(path, JSON.stringify(runToJson(res, meta), null, 1) + '\n');
  else await writeFileAtomic(path, toCsv(recordColumns(res.record)));
}

const f64 = (shape: number[], data: ArrayLike<number>): NpyArray => ({ dtype: 'float64', shape, data: Float64Array.from(data) });

/** Largest estimate (n1·n2 entries) `--save` writes: beyond it the factors say everything in far fewer numbers. */
export const MAX_SAVED_ESTIMATE = 2 ** 22;

/**
 * Arrays of a saved run: `F` (n1 × k) and `G` (n2 × k), or `X` (n × k) for the symmetric model; `estimate`
 * (n1 × n2, when n1·n2 ≤ 4 194 304: larger estimates are left to F Gᵀ); every record column as `record_<name>`
 * (e.g. `record_relError`); with `--diagnostics-every K`, `spectral_iter`, `spectral_svProduct` (samples × k) and
 * `spectral_effectiveRank`. All float64.
 */
export function runArrays(res: RunResult): Record<string, NpyArray> {
  const out: Record<string, NpyArray> = {};
  if (res.model === 'symmetric') out.X = f64([res.n1, res.k], res.F);
  else { out.F = f64([res.n1, res.k], res.F); out.G = f64([res.n2, res.k], res.G!); }
  if (res.n1 * res.n2 <= MAX_SAVED_ESTIMATE) out.estimate = f64([res.n1, res.n2], res.estimate);
  for (const [k, v] of Object.entries(recordColumns(res.record))) out[`record_${k}`] = f64([v.length], v);
  const spec = res.diagnostics.spectral as SpectralRecord | undefined;
  if (spec && spec.iter.length) {
    // sampled singular values of F Gᵀ: spectral_svProduct[t, j] at iteration spectral_iter[t] (NaN-padded)
    const p = Math.max(...spec.svProduct.map((s) => s.length));
    const sv = new Float64Array(spec.iter.length * p).fill(NaN);
    spec.svProduct.forEach((s, t) => sv.set(s, t * p));
    out.spectral_iter = f64([spec.iter.length], spec.iter);
    out.spectral_svProduct = f64([spec.iter.length, p], sv);
    out.spectral_effectiveRank = f64([spec.iter.length], spec.effectiveRank);
  }
  return out;
}

/** Write `--save` (a NumPy .npz archive). */
export async function saveRunNpz(path: string, res: RunResult): Promise<void> {
  await saveNpz(path, runArrays(res));
}
