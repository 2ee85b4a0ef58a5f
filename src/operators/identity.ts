/**
 * The identity ("population") operator: A(X) = vec(X), m = n1·n2, A*A = I exactly. Sensing then becomes exact matrix
 * factorization — the cleanest setting in which to check the rate laws of docs/theory.md. Its A_i = e_a e_bᵀ are not
 * symmetric, so it sees the antisymmetric part of F Gᵀ even on a symmetric problem: the F Gᵀ model minimises
 * ½‖F Gᵀ − M‖², and the X Xᵀ model steps with ½(E + Eᵀ)X (E = X Xᵀ − M need not be symmetric with noise).
 */
import type { F64Buf, Runtime } from '../runtime.js';
import { MeasurementOperator, type Vec } from './operator.js';
import type { PassWorkspace, WorkspaceSpec } from './pass.js';
import { DenseFormWorkspace } from './workspace.js';

export class IdentityOperator extends MeasurementOperator {
  readonly name = 'identity';

  constructor(n1: number, n2: number) {
    super(n1 * n2, n1, n2, false);
  }

  get memoryBytes(): number { return 0; }

  protected _apply(X: Vec, out: Vec): void { out.set(X); }
  protected _adjoint(r: Vec, S: Vec): void { S.set(r); }

  protected override _workspace(rt: Runtime, spec: WorkspaceSpec): PassWorkspace {
    return new IdentityWorkspace(rt, this, spec);
  }
}

/** r = vec(X) − y and E = r: no pass over anything. */
class IdentityWorkspace extends DenseFormWorkspace {
  protected residualAdjoint(count: number, X: F64Buf, E: F64Buf, R: F64Buf): void {
    const N = this.operator.N, x = X.a, e = E.a, r = R.a, y = this.spec.y.a;
    for (let p = 0; p < count; p++) {
      const o = p * N;
      let ss = 0;
      for (let i = 0; i < N; i++) { const v = x[o + i] - y[i]; r[o + i] = v; e[o + i] = v; ss += v * v; }
      e[count * N + p] = ss;
    }
  }
}
