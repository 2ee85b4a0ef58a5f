// Gram mode (docs/theory.md §8): when m ≥ n1·n2 the iteration can run on G = AᵀA (N × N, symmetric) and c = Aᵀy, formed
// once, so that each iteration costs O(N²) independent of m. G is stored full (N × N f64, row-major) but only its
// upper triangle is read by the product, so one product reads N²/2 · 8 bytes.
import { hsum2, madd2, loadF32x2AsF64 } from "./inline/simd";

/**
 * G[i, j] += Σ_q A[q, i] A[q, j] for rows i in [i0, i1) and columns j ≥ 8·⌊i/8⌋ (the upper triangle plus a few
 * entries below the diagonal, which symmetrize_upper_f64 overwrites), over the m rows of A (f32, m × N row-major).
 * f64 accumulation. Rows of A are taken in chunks of 64–512 rows (≤ 8 MiB) so a chunk stays in cache while every
 * 4 × 8 register tile of G passes over it, and G is read and written once per chunk. i0 must be a multiple of 8; i1 a multiple of 8 or N. Threads split [0, N) by i-ranges.
 * @returns G
 */
export function gram_upper_f32_f64(G: usize, A: usize, m: i32, N: i32, i0: i32, i1: i32): usize {
  const rowBytes = <usize>N << 2, gRow = <usize>N << 3;
  // rows per chunk: many, so that G (read and written once per chunk) is amortized; few enough that the chunk stays
  // in the last-level cache while every register tile of G passes over it
  let chunk = <i32>(8388608 / (<i32>rowBytes));
  if (chunk > 512) chunk = 512;
  if (chunk < 64) chunk = 64;
  const N8 = N & ~7;
  for (let q0 = 0; q0 < m; q0 += chunk) {
    const qn = min(chunk, m - q0);
    const Aq = A + <usize>q0 * rowBytes;
    let i = i0;
    for (; i + 4 <= i1; i += 4) {
      const jStart = i & ~7;
      let j = jStart;
      for (; j < N8; j += 8) {
        let s00 = f64x2.splat(0), s01 = f64x2.splat(0), s02 = f64x2.splat(0), s03 = f64x2.splat(0);
        let s10 = f64x2.splat(0), s11 = f64x2.splat(0), s12 = f64x2.splat(0), s13 = f64x2.splat(0);
        let s20 = f64x2.splat(0), s21 = f64x2.splat(0), s22 = f64x2.splat(0), s23 = f64x2.splat(0);
        let s30 = f64x2.splat(0), s31 = f64x2.splat(0), s32 = f64x2.splat(0), s33 = f64x2.splat(0);
        let p = Aq;
        for (let q = 0; q < qn; q++, p += rowBytes) {
          const pj = p + (<usize>j << 2), pi = p + (<usize>i << 2);
          const v0 = loadF32x2AsF64(pj), v1 = loadF32x2AsF64(pj + 8), v2 = loadF32x2AsF64(pj + 16), v3 = loadF32x2AsF64(pj + 24);
          const c0 = f64x2.splat(<f64>load<f32>(pi)), c1 = f64x2.splat(<f64>load<f32>(pi, 4));
          const c2 = f64x2.splat(<f64>load<f32>(pi, 8)), c3 = f64x2.splat(<f64>load<f32>(pi, 12));
          s00 = madd2(s00, c0, v0); s01 = madd2(s01, c0, v1); s02 = madd2(s02, c0, v2); s03 = madd2(s03, c0, v3);
          s10 = madd2(s10, c1, v0); s11 = madd2(s11, c1, v1); s12 = madd2(s12, c1, v2); s13 = madd2(s13, c1, v3);
          s20 = madd2(s20, c2, v0); s21 = madd2(s21, c2, v1); s22 = madd2(s22, c2, v2); s23 = madd2(s23, c2, v3);
          s30 = madd2(s30, c3, v0); s31 = madd2(s31, c3, v1); s32 = madd2(s32, c3, v2); s33 = madd2(s33, c3, v3);
        }
        let g = G + <usize>i * gRow + (<usize>j << 3);
        v128.store(g, f64x2.add(v128.load(g), s00)); v128.store(g, f64x2.add(v128.load(g, 16), s01), 16);
        v128.store(g, f64x2.add(v128.load(g, 32), s02), 32); v128.store(g, f64x2.add(v128.load(g, 48), s03), 48);
        g += gRow;
        v128.store(g, f64x2.add(v128.load(g), s10)); v128.store(g, f64x2.add(v128.load(g, 16), s11), 16);
        v128.store(g, f64x2.add(v128.load(g, 32), s12), 32); v128.store(g, f64x2.add(v128.load(g, 48), s13), 48);
        g += gRow;
        v128.store(g, f64x2.add(v128.load(g), s20)); v128.store(g, f64x2.add(v128.load(g, 16), s21), 16);
        v128.store(g, f64x2.add(v128.load(g, 32), s22), 32); v128.store(g, f64x2.add(v128.load(g, 48), s23), 48);
        g += gRow;
        v128.store(g, f64x2.add(v128.load(g), s30)); v128.store(g, f64x2.add(v128.load(g, 16), s31), 16);
        v128.store(g, f64x2.add(v128.load(g, 32), s32), 32); v128.store(g, f64x2.add(v128.load(g, 48), s33), 48);
      }
      // ragged column tail
      for (; j < N; j++) gramScalarColumn(G, Aq, qn, N, i, i + 4, j, rowBytes, gRow);
    }
    // ragged row tail (i1 = N not a multiple of 4)
    for (; i < i1; i++) for (let j = i; j < N; j++) gramScalarColumn(G, Aq, qn, N, i, i + 1, j, rowBytes, gRow);
  }
  return G;
}

// @ts-ignore: decorator
@inline function gramScalarColumn(G: usize, Aq: usize, qn: i32, N: i32, ia: i32, ib: i32, j: i32, rowBytes: usize, gRow: usize): void {
  for (let ii = ia; ii < ib; ii++) {
    let s: f64 = 0;
    let p = Aq;
    for (let q = 0; q < qn; q++, p += rowBytes) s += <f64>load<f32>(p + (<usize>ii << 2)) * <f64>load<f32>(p + (<usize>j << 2));
    const g = G + <usize>ii * gRow + (<usize>j << 3);
    store<f64>(g, load<f64>(g) + s);
  }
}

/** Copy the strict upper triangle of the N × N f64 matrix G onto its lower triangle. @returns G */
export function symmetrize_upper_f64(G: usize, N: i32): usize {
  const gRow = <usize>N << 3;
  for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) store<f64>(G + <usize>j * gRow + (<usize>i << 3), load<f64>(G + <usize>i * gRow + (<usize>j << 3)));
  return G;
}

/**
 * y = G x − c for a symmetric G (N × N f64 row-major) reading only its upper triangle (row i from column i):
 * y_i gets the dot product of row i's upper part with x, and x_i times that row is added to y_{i+1…}.
 * Reads N(N+1)/2 · 8 bytes. Pointers: y (f64, N, overwritten), G, x (f64, N), c (f64, N; pass c = 0 pointer-free
 * by giving a zero vector). y must not alias x. @returns y
 */
export function symv_upper_f64(y: usize, G: usize, x: usize, c: usize, N: i32): usize {
  const gRow = <usize>N << 3;
  for (let j = 0; j < N; j++) store<f64>(y + (<usize>j << 3), -load<f64>(c + (<usize>j << 3)));
  for (let i = 0; i < N; i++) {
    const row = G + <usize>i * gRow;
    const xi = load<f64>(x + (<usize>i << 3));
    const xv = f64x2.splat(xi);
    // diagonal
    let d: f64 = load<f64>(row + (<usize>i << 3)) * xi;
    let j = i + 1;
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
    for (; j + 4 <= N; j += 4) {
      const o = <usize>j << 3;
      const g0 = v128.load(row + o), g1 = v128.load(row + o, 16);
      s0 = madd2(s0, g0, v128.load(x + o)); s1 = madd2(s1, g1, v128.load(x + o, 16));
      v128.store(y + o, madd2(v128.load(y + o), g0, xv));
      v128.store(y + o, madd2(v128.load(y + o, 16), g1, xv), 16);
    }
    d += hsum2(f64x2.add(s0, s1));
    for (; j < N; j++) {
      const o = <usize>j << 3, g = load<f64>(row + o);
      d += g * load<f64>(x + o);
      store<f64>(y + o, load<f64>(y + o) + g * xi);
    }
    const yo = y + (<usize>i << 3);
    store<f64>(yo, load<f64>(yo) + d);
  }
  return y;
}
