/** Initialization of the factors (math.md §4): small random, or given arrays. */
import { ValidationError } from '../errors.js';
import { STREAM, gaussian } from '../random.js';
import type { Runtime } from '../runtime.js';
import { finiteArray, finiteNumber } from '../validate.js';

/** How the N(0, 1) entries are divided before scaling by α (β): none, by √k, or by √n (the factor's row count). */
export type InitNormalizer = 'none' | 'sqrt-k' | 'sqrt-n';

/** Options for the starting point. */
export interface InitOptions {
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
}

/** Validate init options and draw (or take) the starting factors. */
export function resolveInit(rt: Runtime, o: InitOptions, kind: 'asymmetric' | 'symmetric', n1: number, n2: number, k: number): ResolvedInit {
  const alpha = finiteNumber('init.alpha', o.alpha ?? 1e-3, { min: 0 });
  const beta = finiteNumber('init.beta', o.beta ?? alpha, { min: 0 });
  const normalizer = o.normalizer ?? 'none';
  if (!['none', 'sqrt-k', 'sqrt-n'].includes(normalizer)) throw new ValidationError(`init.normalizer must be 'none', 'sqrt-k' or 'sqrt-n', got ${String(normalizer)}`);
  const seed = o.seed ?? 1;
  const norm = (n: number) => (normalizer === 'none' ? 1 : normalizer === 'sqrt-k' ? 1 / Math.sqrt(k) : 1 / Math.sqrt(n));
  if (kind === 'symmetric') {
    if (o.F0 !== undefined || o.G0 !== undefined) throw new ValidationError('the symmetric model takes X0, not F0/G0');
    if (o.X0 !== undefined) return { F: Float64Array.from(finiteArray('X0', o.X0, n1 * k)), alpha, beta, normalizer, given: true };
    return { F: gaussian(rt, n1 * k, alpha * norm(n1), seed, STREAM.initF), alpha, beta, normalizer, given: false };
  }
  if (o.X0 !== undefined) throw new ValidationError('the asymmetric model takes F0 and G0, not X0');
  if ((o.F0 === undefined) !== (o.G0 === undefined)) throw new ValidationError('F0 and G0 must be given together');
  if (o.F0 !== undefined) {
    return {
      F: Float64Array.from(finiteArray('F0', o.F0, n1 * k)),
      G: Float64Array.from(finiteArray('G0', o.G0, n2 * k)),
      alpha, beta, normalizer, given: true,
    };
  }
  return {
    F: gaussian(rt, n1 * k, alpha * norm(n1), seed, STREAM.initF),
    G: gaussian(rt, n2 * k, beta * norm(n2), seed, STREAM.initG),
    alpha, beta, normalizer, given: false,
  };
}
