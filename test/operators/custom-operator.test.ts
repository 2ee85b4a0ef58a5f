// The worked example of docs/adding-an-operator.md, run: a matrix-free operator written in TypeScript with the four
// math hooks passes the dot-test and the factor-form conformance checks, never forms an n1 × n2 matrix, and every
// registered method and both models solve with it. The example's code must be the same as in the doc.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { METHODS, Runtime, createProblem, problemFromOperator, solveSync, ValidationError } from '../../src/index.js';
import { MeasurementOperator, type Vec } from '../../src/index.js';
import { dotTest } from '../../src/testing/index.js';
import { randArray, relMaxDiff, refMatmul, transpose } from '../helpers.js';

// --- example start ---
/**
 * Entry sampling: each measurement observes one entry of the matrix, y_i = M[u_i, v_i] / √p with p = m / (n1·n2),
 * so that E[A*A] = I. A_i = e_{u_i} e_{v_i}ᵀ / √p.
 */
export class EntrySampling extends MeasurementOperator {
  readonly name = 'entry-sampling';
  private readonly scale: number;

  constructor(n1: number, n2: number, readonly rows: Int32Array, readonly cols: Int32Array) {
    super(rows.length, n1, n2, false);
    if (cols.length !== rows.length) throw new ValidationError('rows and cols must have the same length');
    for (let i = 0; i < rows.length; i++) {
      if (!(rows[i] >= 0 && rows[i] < n1 && cols[i] >= 0 && cols[i] < n2)) throw new ValidationError(`entry ${i} (${rows[i]}, ${cols[i]}) is outside ${n1} × ${n2}`);
    }
    this.scale = Math.sqrt((n1 * n2) / rows.length);
  }

  get memoryBytes(): number { return 0; } // its data lives in JS arrays, not in the runtime

  // vec forms: out_i = ⟨A_i, X⟩ and S = Σ_i r_i A_i
  protected _apply(X: Vec, out: Vec): void {
    for (let i = 0; i < this.m; i++) out[i] = this.scale * X[this.rows[i] * this.n2 + this.cols[i]];
  }

  protected _adjoint(r: Vec, S: Vec): void {
    S.fill(0);
    for (let i = 0; i < this.m; i++) S[this.rows[i] * this.n2 + this.cols[i]] += this.scale * r[i];
  }

  // factor forms: A(F Gᵀ)_i = ⟨F[u_i, :], G[v_i, :]⟩ / √p, and with E = A*(r):
  // (E G)[u, :] = Σ_{i: u_i = u} r_i G[v_i, :] / √p,  (Eᵀ F)[v, :] = Σ_{i: v_i = v} r_i F[u_i, :] / √p
  protected override _applyFactors(F: Float64Array, G: Float64Array, k: number, out: Float64Array): void {
    for (let i = 0; i < this.m; i++) {
      const f = this.rows[i] * k, g = this.cols[i] * k;
      let s = 0;
      for (let j = 0; j < k; j++) s += F[f + j] * G[g + j];
      out[i] = this.scale * s;
    }
  }

  protected override _adjointProducts(r: Float64Array, F: Float64Array, G: Float64Array, k: number, EG: Float64Array | null, EtF: Float64Array | null): void {
    EG?.fill(0);
    EtF?.fill(0);
    for (let i = 0; i < this.m; i++) {
      const c = this.scale * r[i], f = this.rows[i] * k, g = this.cols[i] * k;
      for (let j = 0; j < k; j++) {
        if (EG) EG[f + j] += c * G[g + j];
        if (EtF) EtF[g + j] += c * F[f + j];
      }
    }
  }
}
// --- example end ---

let rt: Runtime;
beforeAll(async () => { rt = await Runtime.create(); });

/** m distinct entries of an n1 × n2 matrix, drawn with a fixed seed. */
function sample(n1: number, n2: number, m: number, seed: number): { rows: Int32Array; cols: Int32Array } {
  const perm = Array.from({ length: n1 * n2 }, (_, i) => i), rnd = randArray(n1 * n2, seed);
  perm.sort((a, b) => rnd[a] - rnd[b]);
  const pick = perm.slice(0, m);
  return { rows: Int32Array.from(pick, (e) => Math.floor(e / n2)), cols: Int32Array.from(pick, (e) => e % n2) };
}

describe('a matrix-free operator written with the four hooks (docs/adding-an-operator.md)', () => {
  it('the doc shows exactly this code', () => {
    const doc = readFileSync(new URL('../../docs/adding-an-operator.md', import.meta.url), 'utf8');
    const here = readFileSync(new URL(import.meta.url), 'utf8');
    const example = here.slice(here.indexOf('// --- example start ---\n') + 25, here.indexOf('// --- example end ---'));
    expect(doc).toContain(example.trim());
  });

  it('passes the dot-test; its factor-form pass matches a dense reference; nothing n1 × n2 is formed', () => {
    const n1 = 9, n2 = 7, { rows, cols } = sample(n1, n2, 30, 1);
    const op = new EntrySampling(n1, n2, rows, cols);
    expect(dotTest(op, { rtol: 1e-13 }).passed).toBe(true);
    const y = rt.f64(30).set(randArray(30, 2)), k = 3;
    const F = rt.f64(n1 * k).set(randArray(n1 * k, 3)), G = rt.f64(n2 * k).set(randArray(n2 * k, 4));
    const EG = rt.f64(n1 * k), EtF = rt.f64(n2 * k), rr = new Float64Array(1);
    const before = op.applyCount + op.adjointCount;
    const ws = op.workspace(rt, { model: 'asymmetric', widths: [k], precision: 'mixed', y });
    expect(op.workspaceBytes({ model: 'asymmetric', widths: [k], precision: 'mixed' })).toBe(0);
    ws.pass([{ slot: 0, F, G, EG, EtF }], rr);
    expect(op.applyCount + op.adjointCount).toBe(before); // the vec forms (n1·n2 long) were not used
    // reference: X = F Gᵀ densely, r = A vec(X) − y, E = A*(r)
    const X = refMatmul(F.a, transpose(G.a, n2, k), n1, k, n2), r = new Float64Array(30);
    for (let i = 0; i < 30; i++) r[i] = Math.sqrt(n1 * n2 / 30) * X[rows[i] * n2 + cols[i]] - y.a[i];
    const E = op.adjoint(r, new Float64Array(n1 * n2));
    expect(Math.abs(rr[0] - r.reduce((s, v) => s + v * v, 0)) / rr[0]).toBeLessThan(1e-14);
    expect(relMaxDiff(EG.a, refMatmul(E, G.a, n1, n2, k))).toBeLessThan(1e-14);
    expect(relMaxDiff(EtF.a, refMatmul(transpose(E, n1, n2), F.a, n2, n1, k))).toBeLessThan(1e-14);
    ws.dispose();
    expect(() => new EntrySampling(3, 3, Int32Array.of(0, 3), Int32Array.of(0, 0))).toThrow(/entry 1 \(3, 0\) is outside 3 × 3/);
  });

  it.each(Object.values(METHODS).flatMap((m) => m.models.map((model) => [m.name, model] as const)))('%s, %s model: solves a completion problem with it', (method, model) => {
    const n = 16, r = 2, sym = model === 'symmetric';
    const gen = createProblem(rt, { n1: n, r, m: 1, seed: 3, symmetric: sym }); // only for its truth
    const { rows, cols } = sample(n, n, 180, 5);
    const M = gen.Mstar!.a, scale = Math.sqrt(n * n / 180);
    const y = Float64Array.from(rows, (u, i) => scale * M[u * n + cols[i]]);
    const p = problemFromOperator(rt, { op: new EntrySampling(n, n, rows, cols), y, truth: { U: gen.Ustar!, sigma: gen.sigma!, V: gen.Vstar! }, symmetric: sym });
    gen.dispose();
    const k = r; // exact width: every method converges linearly (k > r is slower for GD: docs/theory.md)
    const res = solveSync(rt, p, { k, method, model, maxIter: 3000, tol: 1e-9, init: method === 'scaledgd' ? undefined : { alpha: 1e-3 }, diagnosticsEvery: 500 });
    expect(res.stopReason, res.message).toBe('converged');
    expect(res.record.relError!.at(-1)).toBeLessThan(1e-6);
    expect(res.diagnostics.spectral).toBeDefined();
    p.dispose();
  });
});
