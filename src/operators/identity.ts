/**
 * The identity ("population") operator: A(X) = vec(X), m = n1·n2, A*A = I exactly. Sensing then becomes exact
 * matrix factorization — the cleanest setting in which to check the rate laws of math.md §9.
 */
import { ValidationError } from '../errors.js';
import { MeasurementOperator, type Vec } from './base.js';

export class IdentityOperator extends MeasurementOperator {
  readonly name = 'identity';

  constructor(n1: number, n2: number, symmetric = false) {
    if (symmetric && n1 !== n2) throw new ValidationError(`a symmetric identity operator needs n1 = n2, got ${n1} × ${n2}`);
    super(n1 * n2, n1, n2, symmetric);
  }

  get memoryBytes(): number { return 0; }

  protected _apply(X: Vec, out: Vec): void { out.set(X); }
  protected _adjoint(r: Vec, S: Vec): void { S.set(r); }
  protected override _residualAdjoint(X: Vec, b: Vec, r: Vec, S: Vec): number {
    let ss = 0;
    for (let i = 0; i < this.m; i++) { const v = X[i] - b[i]; r[i] = v; S[i] = v; ss += v * v; }
    return ss;
  }
}
