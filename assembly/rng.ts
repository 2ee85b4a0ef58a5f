// Seeded Gaussian generation. Algorithms (documented in the README):
//   * uniform bits: xoshiro256++ (Blackman & Vigna 2019), 64-bit output;
//   * seeding: every (seed, stream, row) triple gets its own xoshiro state from SplitMix64, so operator rows can be
//     generated in any order, by any number of threads, with bit-identical results;
//   * normals: the 128-layer ziggurat of Marsaglia & Tsang (2000) with the layer index taken from the low 7 bits and
//     the signed 32-bit mantissa from the high 32 bits of the same 64-bit draw (so they are independent — this avoids
//     the well-known correlation flaw of the original 32-bit RNOR).
// The ziggurat tables live in caller-owned memory (`tab`, ZIG_TABLE_BYTES bytes) filled once by zig_init: the module
// owns no memory and has no data segments, which keeps shared-memory instantiation safe.

export const ZIG_TABLE_BYTES: i32 = 128 * 4 + 128 * 8 * 2;

let s0: u64 = 0, s1: u64 = 0, s2: u64 = 0, s3: u64 = 0;

// @ts-ignore: decorator
@inline function rotl(x: u64, k: u64): u64 { return (x << k) | (x >> (64 - k)); }

// @ts-ignore: decorator
@inline function next(): u64 {
  const result = rotl(s0 + s3, 23) + s0;
  const t = s1 << 17;
  s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45);
  return result;
}

// @ts-ignore: decorator
@inline function splitmix(x: u64): u64 {
  let z = x + 0x9E3779B97F4A7C15;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
  return z ^ (z >> 31);
}

/** Seed the generator state for (seed, stream, row). */
function seedState(seedHi: u32, seedLo: u32, stream: u32, row: u32): void {
  const seed = (<u64>seedHi << 32) | <u64>seedLo;
  let x = splitmix(seed ^ splitmix(<u64>stream + 0x632BE59BD9B4E019));
  x = splitmix(x ^ (<u64>row * 0xD1B54A32D192ED03 + 0x8CB92BA72F3D8DD7));
  s0 = splitmix(x); s1 = splitmix(s0 ^ 0x1); s2 = splitmix(s1 ^ 0x2); s3 = splitmix(s2 ^ 0x3);
  if ((s0 | s1 | s2 | s3) == 0) s0 = 1;
}

// @ts-ignore: decorator
@inline function uniform(): f64 { return <f64>(next() >> 11) * 1.1102230246251565e-16; }

/** Fill the ziggurat tables at `tab`: kn (u32 × 128), wn (f64 × 128), fn (f64 × 128). @returns tab */
export function zig_init(tab: usize): usize {
  const kn = tab, wn = tab + 512, fn = tab + 512 + 1024;
  const m1: f64 = 2147483648.0, vn: f64 = 9.91256303526217e-3;
  let dn: f64 = 3.442619855899, tn = dn;
  const q = vn / Math.exp(-0.5 * dn * dn);
  store<u32>(kn, <u32>((dn / q) * m1)); store<u32>(kn + 4, 0);
  store<f64>(wn, q / m1); store<f64>(wn + 127 * 8, dn / m1);
  store<f64>(fn, 1.0); store<f64>(fn + 127 * 8, Math.exp(-0.5 * dn * dn));
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2.0 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
    store<u32>(kn + ((<usize>i + 1) << 2), <u32>((dn / tn) * m1));
    tn = dn;
    store<f64>(fn + (<usize>i << 3), Math.exp(-0.5 * dn * dn));
    store<f64>(wn + (<usize>i << 3), dn / m1);
  }
  return tab;
}

/** One standard normal draw (ziggurat; the rare slow path handles wedges and the tail). */
// @ts-ignore: decorator
@inline function normal(tab: usize): f64 {
  const u = next();
  const hz = <i32>(u >> 32);
  const iz = <usize>(u & 127);
  if (abs<i64>(<i64>hz) < <i64>load<u32>(tab + (iz << 2))) return <f64>hz * load<f64>(tab + 512 + (iz << 3));
  return normalSlow(tab, hz, iz);
}

function normalSlow(tab: usize, hz0: i32, iz0: usize): f64 {
  const r: f64 = 3.442619855899;
  let hz = hz0, iz = iz0;
  while (true) {
    const x = <f64>hz * load<f64>(tab + 512 + (iz << 3));
    if (iz == 0) {
      let xt: f64, y: f64;
      do {
        xt = -Math.log(1.0 - uniform()) / r;
        y = -Math.log(1.0 - uniform());
      } while (y + y < xt * xt);
      return hz > 0 ? r + xt : -r - xt;
    }
    const fHi = load<f64>(tab + 1536 + ((iz - 1) << 3)), fLo = load<f64>(tab + 1536 + (iz << 3));
    if (fLo + uniform() * (fHi - fLo) < Math.exp(-0.5 * x * x)) return x;
    const u = next();
    hz = <i32>(u >> 32); iz = <usize>(u & 127);
    if (abs<i64>(<i64>hz) < <i64>load<u32>(tab + (iz << 2))) return <f64>hz * load<f64>(tab + 512 + (iz << 3));
  }
  return 0;
}

/**
 * Rows row0 … row0+rows−1 of an f32 matrix with `cols` columns (row-major, at `out`), entries iid N(0, scale²).
 * Each row is seeded from (seed, stream, row index) alone. @returns out
 */
export function normal_rows_f32(out: usize, rows: i32, cols: i32, scale: f64, seedHi: u32, seedLo: u32, stream: u32, row0: u32, tab: usize): usize {
  for (let i = 0; i < rows; i++) {
    seedState(seedHi, seedLo, stream, row0 + <u32>i);
    const o = out + <usize>i * (<usize>cols << 2);
    for (let j = 0; j < cols; j++) store<f32>(o + (<usize>j << 2), <f32>(scale * normal(tab)));
  }
  return out;
}

/** `count` f64 entries iid N(0, scale²) from stream (seed, stream). @returns out */
export function normal_f64(out: usize, count: i32, scale: f64, seedHi: u32, seedLo: u32, stream: u32, tab: usize): usize {
  seedState(seedHi, seedLo, stream, 0xFFFFFFFF);
  for (let j = 0; j < count; j++) store<f64>(out + (<usize>j << 3), scale * normal(tab));
  return out;
}

/** `count` f64 uniforms in [0, 1) from stream (seed, stream). @returns out */
export function uniform_f64(out: usize, count: i32, seedHi: u32, seedLo: u32, stream: u32): usize {
  seedState(seedHi, seedLo, stream, 0xFFFFFFFE);
  for (let j = 0; j < count; j++) store<f64>(out + (<usize>j << 3), uniform());
  return out;
}

/**
 * Symmetrize `rows` consecutive n × n f32 matrices in place: A ← (A + Aᵀ)/2 (the PSD-sensing operator of docs/theory.md §2).
 * @returns A
 */
export function symmetrize_rows_f32(A: usize, rows: i32, n: i32): usize {
  const rowBytes = <usize>n * <usize>n << 2;
  for (let q = 0; q < rows; q++) {
    const a = A + <usize>q * rowBytes;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const pij = a + ((<usize>i * <usize>n + <usize>j) << 2), pji = a + ((<usize>j * <usize>n + <usize>i) << 2);
        const v = <f32>0.5 * (load<f32>(pij) + load<f32>(pji));
        store<f32>(pij, v); store<f32>(pji, v);
      }
    }
  }
  return A;
}

/**
 * Bernoulli(p) sampling of one row's cells: the column indices j in [0, n) kept, ascending, written to `out` (i32,
 * capacity n), drawn by geometric skips (O(p·n) draws, not n). Seeded from (seed, stream, row) alone, so rows can be
 * sampled in any order or thread with the same result. p ≥ 1 keeps every cell, p ≤ 0 none.
 * @returns the number of indices written
 */
export function bernoulli_row_i32(out: usize, n: i32, p: f64, seedHi: u32, seedLo: u32, stream: u32, row: u32): i32 {
  if (p <= 0) return 0;
  if (p >= 1) { for (let j = 0; j < n; j++) store<i32>(out + (<usize>j << 2), j); return n; }
  seedState(seedHi, seedLo, stream, row);
  const lq = Math.log1p(-p);
  let j: f64 = -1, count = 0;
  while (true) {
    j += Math.floor(Math.log1p(-uniform()) / lq) + 1;
    if (j >= <f64>n) break;
    store<i32>(out + (<usize>count << 2), <i32>j);
    count++;
  }
  return count;
}

/**
 * Selection sampling (Knuth's Algorithm S): exactly m of the `total` 8-byte items at `inp`, each m-subset equally
 * likely, copied to `out` in their order. Seeded from (seed, stream). m ≤ total. @returns m
 */
export function select_items_u64(out: usize, inp: usize, total: i32, m: i32, seedHi: u32, seedLo: u32, stream: u32): i32 {
  seedState(seedHi, seedLo, stream, 0xFFFFFFFD);
  let kept = 0;
  for (let t = 0; t < total && kept < m; t++) {
    if (<f64>(total - t) * uniform() < <f64>(m - kept)) {
      store<u64>(out + (<usize>kept << 3), load<u64>(inp + (<usize>t << 3)));
      kept++;
    }
  }
  return kept;
}
