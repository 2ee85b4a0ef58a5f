/** Initialization of the factors (docs/theory.md §4, §6): small random, spectral, or given arrays. */
import { ValidationError } from '../errors.js';
import { topKSvd } from '../linalg/topk.js';
import type { LinearMap } from '../operators/pass.js';
import type { BlockLinearMap } from '../operators/placed.js';
import type { Problem } from '../problems/problem.js';
import { STREAM, gaussian } from '../random.js';
import type { Runtime } from '../runtime.js';
import { finiteArray, finiteNumber, nonNegativeInt } from '../validate.js';

/** How the N(0, 1) entries are divided before scaling by α (β): none, by √k, or by √n (the factor's row count). */
export type InitNormalizer = 'none' | 'sqrt-k' | 'sqrt-n';

/** Options for the starting point. */
export interface InitOptions {
  /**
   * 'random' (default): small random init of scale α (docs/theory.md §4). 'spectral': the top-k singular triplets
   * U Σ Vᵀ of A*(y) by randomized subspace iteration, F0 = U Σ^{1/2}, G0 = V Σ^{1/2} (docs/theory.md §6); for the symmetric
   * model X0 = U Λ₊^{1/2} with Λ₊ the positive part of the signed eigenvalues (u·v) σ. Given F0/G0/X0 override both.
   */
  kind?: 'random' | 'spectral';
  /** Spectral init: subspace iterations (default 8) and sketch oversampling (default 10) of `topKSvd`. */
  spectralIters?: number;
  spectralOversample?: number;
  /** Scale α of F0 (or X0). Default 1e-3. */
  alpha?: number;
  /** Scale β of G0. Default α (Soltanolkotabi–Stöger–Xie); Xiong et al. use α/3. */
  beta?: number;
  /** Default 'none': entries N(0, α²) (Xiong et al.). */
  normalizer?: InitNormalizer;
  /** Seed of the init draws (independent of the problem's seed). Default 1. */
  seed?: number;
  /** Given starting factors (row-major n1 × k, n2 × k); override the random init. */
  F0?: Float64Array | Float32Array;
  G0?: Float64Array | Float32Array;
  /** Given starting factor of the symmetric model (n × k). */
  X0?: Float64Array | Float32Array;
}

/** Resolved init: arrays to copy into the model. */
export interface ResolvedInit {
  F: Float64Array;
  G?: Float64Array;
  alpha: number;
  beta: number;
  normalizer: InitNormalizer;
  given: boolean;
  /** Which starting point was used. */
  kind: 'random' | 'spectral' | 'given';
}

/** Validate init options and draw (or take, or compute from the data) the starting factors. */
export function resolveInit(rt: Runtime, o: InitOptions, kind: 'asymmetric' | 'symmetric', problem: Problem, k: number): ResolvedInit {
  if (o === null || typeof o !== 'object') throw new ValidationError('init options must be an object');
  const { n1, n2 } = problem;
  const initKind = o.kind ?? 'random';
  if (initKind !== 'random' && initKind !== 'spectral') throw new ValidationError(`init.kind must be 'random' or 'spectral', got ${String(initKind)}`);
  const givenAny = o.F0 !== undefined || o.G0 !== undefined || o.X0 !== undefined;
  if (initKind === 'spectral' && !givenAny) return spectralInit(rt, o, kind, problem, k);
  const alpha = finiteNumber('init.alpha', o.alpha ?? 1e-3, { min: 0 });
  const beta = finiteNumber('init.beta', o.beta ?? alpha, { min: 0 });
  const normalizer = o.normalizer ?? 'none';
  if (!['none', 'sqrt-k', 'sqrt-n'].includes(normalizer)) throw new ValidationError(`init.normalizer must be 'none', 'sqrt-k' or 'sqrt-n', got ${String(normalizer)}`);
  const seed = o.seed ?? 1;
  const norm = (n: number) => (normalizer === 'none' ? 1 : normalizer === 'sqrt-k' ? 1 / Math.sqrt(k) : 1 / Math.sqrt(n));
  if (kind === 'symmetric') {
    if (o.F0 !== undefined || o.G0 !== undefined) throw new ValidationError('the symmetric model takes X0, not F0/G0');
    if (o.X0 !== undefined) return { F: Float64Array.from(finiteArray('X0', o.X0, n1 * k)), alpha, beta, normalizer, given: true, kind: 'given' };
    return { F: gaussian(rt, n1 * k, alpha * norm(n1), seed, STREAM.initF), alpha, beta, normalizer, given: false, kind: 'random' };
  }
  if (o.X0 !== undefined) throw new ValidationError('the asymmetric model takes F0 and G0, not X0');
  if ((o.F0 === undefined) !== (o.G0 === undefined)) throw new ValidationError('F0 and G0 must be given together');
  if (o.F0 !== undefined) {
    return {
      F: Float64Array.from(finiteArray('F0', o.F0, n1 * k)),
      G: Float64Array.from(finiteArray('G0', o.G0, n2 * k)),
      alpha, beta, normalizer, given: true, kind: 'given',
    };
  }
  return {
    F: gaussian(rt, n1 * k, alpha * norm(n1), seed, STREAM.initF),
    G: gaussian(rt, n2 * k, beta * norm(n2), seed, STREAM.initG),
    alpha, beta, normalizer, given: false, kind: 'random',
  };
}

/**
 * Spectral initialization (docs/theory.md §6): top-k singular triplets of the back projection A*(y) by randomized
 * subspace iteration on its products (`topKSvd`, seeded by `init.seed`; A*(y) is never formed for structured
 * operators), F0 = U Σ^{1/2}, G0 = V Σ^{1/2}. Symmetric model: A*(y) is symmetric, so each triplet carries an
 * eigenvalue λ_j = sign(u_jᵀ v_j) σ_j; X0 = U diag(sqrt(max(λ_j, 0))) (negative directions start at 0).
 * Costs 2(k + 10)(iters + 1) products with A*(y) and its transpose.
 */
function spectralInit(rt: Runtime, o: InitOptions, kind: 'asymmetric' | 'symmetric', p: Problem, k: number): ResolvedInit {
  const { n1, n2 } = p;
  if (o.alpha !== undefined || o.beta !== undefined || o.normalizer !== undefined) {
    throw new ValidationError("init.alpha/beta/normalizer apply to the random init, not to init.kind = 'spectral'");
  }
  const iters = nonNegativeInt('init.spectralIters', o.spectralIters ?? 8);
  const oversample = nonNegativeInt('init.spectralOversample', o.spectralOversample ?? 10);
  const seed = nonNegativeInt('init.seed', o.seed ?? 1);
  if (k > Math.min(n1, n2)) throw new ValidationError(`spectral init needs k ≤ min(n1, n2) = ${Math.min(n1, n2)}, got k = ${k}`);
  const M = p.backProjection() as LinearMap & Partial<Pick<BlockLinearMap, 'applyBlock' | 'applyTBlock'>>;
  const { U, s, V } = topKSvd((x, o) => M.apply(x, o), (x, o) => M.applyT(x, o), n1, n2, k, {
    iters, oversample, seed, applyBlock: M.applyBlock, applyTBlock: M.applyTBlock,
  });
  const F = new Float64Array(n1 * k);
  const base = { alpha: 0, beta: 0, normalizer: 'none' as InitNormalizer, given: false, kind: 'spectral' as const };
  if (kind === 'symmetric') {
    for (let j = 0; j < k; j++) {
      let uv = 0;
      for (let a = 0; a < n1; a++) uv += U[a * k + j] * V[a * k + j];
      const c = uv >= 0 ? Math.sqrt(s[j]) : 0;
      for (let a = 0; a < n1; a++) F[a * k + j] = U[a * k + j] * c;
    }
    return { F, ...base };
  }
  const G = new Float64Array(n2 * k);
  for (let j = 0; j < k; j++) {
    const c = Math.sqrt(s[j]);
    for (let a = 0; a < n1; a++) F[a * k + j] = U[a * k + j] * c;
    for (let b = 0; b < n2; b++) G[b * k + j] = V[b * k + j] * c;
  }
  return { F, G, ...base };
}
