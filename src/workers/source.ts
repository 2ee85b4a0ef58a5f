/**
 * The worker's program, as a string: it imports nothing (it receives the compiled wasm module and, in shared mode,
 * the shared memory by message), so it starts the same way from `src/` under vitest, from `dist/`, and in browsers
 * (Node: `new Worker(src, { eval: true })`; browsers: a Blob URL). It runs a blocking command loop on an Atomics
 * barrier: wait for the generation counter to move, run the command written in the shared argument block, count
 * itself done, notify.
 *
 * Control block (Int32Array over a SharedArrayBuffer): [0] generation, [1] done count, [2] command, [3] errors.
 * Without SharedArrayBuffer ('message' mode) the worker instead answers one request message per command.
 * Argument block (Float64Array): 16 common slots, then 32 slots per worker (its arguments, slot 31 = result).
 */
export const CTRL = { GEN: 0, DONE: 1, OP: 2, ERR: 3 } as const;
/** Commands. Shared mode calls kernels by name on pointers into the shared memory; private mode copies. */
export const OP = { QUIT: 0, CALL: 1, P_FUSED: 2, P_APPLY: 3, P_ADJOINT: 4, P_GENERATE: 5, P_BATCH: 6 } as const;
export const COMMON_SLOTS = 16;
export const WORKER_SLOTS = 32;
export const ERR_BYTES = 4096;

export const WORKER_SOURCE = String.raw`'use strict';
let post, once, on;
if (typeof process !== 'undefined' && process.versions && process.versions.node) {
  const wt = typeof require === 'function' ? require('node:worker_threads') : process.getBuiltinModule('node:worker_threads');
  post = (m, t) => wt.parentPort.postMessage(m, t || []);
  once = (f) => wt.parentPort.once('message', f);
  on = (f) => wt.parentPort.on('message', f);
} else {
  post = (m, t) => self.postMessage(m, t || []);
  once = (f) => { self.onmessage = (e) => { self.onmessage = null; f(e.data); }; };
  on = (f) => { self.onmessage = (e) => f(e.data); };
}
const GEN = 0, DONE = 1, OPC = 2, ERR = 3;
const PAGE = 65536, COMMON = ${COMMON_SLOTS}, SLOTS = ${WORKER_SLOTS};
once(async (msg) => {
  let ctrl, args, errBytes;
  try {
    if (msg.mode !== 'message') { ctrl = new Int32Array(msg.ctrl); args = new Float64Array(msg.args); errBytes = new Uint8Array(msg.err); }
    const id = msg.id, base = COMMON + id * SLOTS;
    let memory, K, L = null;
    if (msg.mode === 'shared') {
      memory = msg.memory;
      K = (await WebAssembly.instantiate(msg.module, { env: { memory } })).exports;
    } else {
      // private memory: this worker's rows and its work vectors
      const N = msg.N, rows = msg.rows, B = msg.maxBatch;
      let top = PAGE;
      const take = (bytes) => { const p = top; top += Math.ceil(bytes / 64) * 64; return p; };
      L = { N, rows, B, tab: take(${128 * 4 + 128 * 8 * 2}), x: take(N * 8 * B), S: take(N * 8 * B), fx: take(N * 4), fS: take(N * 4),
            b: take(rows * 8), r: take(rows * 8 * B), fb: take(rows * 4), fr: take(rows * 4), ss: take(8 * B) };
      L.A = take(rows * N * 4);
      const pages = Math.ceil(top / PAGE);
      if (pages > 65536) throw new Error('worker block of ' + rows + ' rows needs ' + top + ' bytes, over the 4 GiB of one wasm memory');
      memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
      K = (await WebAssembly.instantiate(msg.module, { env: { memory } })).exports;
      K.zig_init(L.tab);
      if (msg.data) new Uint8Array(memory.buffer, L.A, rows * N * 4).set(new Uint8Array(msg.data));
    }
    if (msg.mode === 'message') { serveMessages(K, memory, L); return; }
    const xchg = msg.xchg ? new Float64Array(msg.xchg) : null;
    const names = msg.names;
    const a = new Array(16);
    // read the generation BEFORE saying ready: the caller may bump it as soon as it hears 'ready' (missed wake-up)
    let gen = Atomics.load(ctrl, GEN);
    post({ type: 'ready' });
    for (;;) {
      Atomics.wait(ctrl, GEN, gen);
      const g = Atomics.load(ctrl, GEN);
      if (g === gen) continue;
      gen = g;
      const op = Atomics.load(ctrl, OPC);
      if (op === 0) break;
      try {
        if (op === 1) {
          const fn = K[names[args[base]]], n = args[base + 1];
          for (let i = 0; i < n; i++) a[i] = args[base + 2 + i];
          a.length = n;
          args[base + 31] = fn.apply(null, a);
        } else {
          privateCommand(op, K, memory, L, args, base, xchg);
        }
      } catch (e) {
        if (Atomics.add(ctrl, ERR, 1) === 0) writeErr(errBytes, 'worker ' + id + ': ' + (e && e.stack || e));
      }
      Atomics.add(ctrl, DONE, 1);
      Atomics.notify(ctrl, DONE);
    }
    post({ type: 'closed' });
  } catch (e) {
    post({ type: 'error', message: String(e && e.stack || e) });
    if (ctrl) { if (Atomics.add(ctrl, ERR, 1) === 0) writeErr(errBytes, String(e && e.stack || e)); Atomics.add(ctrl, DONE, 1); Atomics.notify(ctrl, DONE); }
  }
});
// Message mode (no SharedArrayBuffer): the private-memory commands on a per-request exchange array laid out as in
// private mode for one worker that owns rows 0..rows-1 of an m = rows operator (row0 is the global first row only for
// generation). The array is transferred back with the results.
function serveMessages(K, memory, L) {
  const a = new Float64Array(COMMON + SLOTS);
  on((q) => {
    try {
      const N = L.N, rows = L.rows, B = q.B || 1;
      a.fill(0);
      a[0] = N; a[1] = rows; a[2] = 1; a[3] = q.prec || 0; a[4] = B;
      a[COMMON] = q.op === ${OP.P_GENERATE} ? q.row0 : 0; a[COMMON + 1] = rows;
      if (q.gen) for (let i = 0; i < q.gen.length; i++) a[5 + i] = q.gen[i];
      const offB = N * B, offR = offB + rows;
      const x = new Float64Array(offR + B * rows + B * N + B);
      if (q.x) x.set(q.x, 0);
      if (q.b) x.set(q.b, offB);
      if (q.r) x.set(q.r, offR);
      privateCommand(q.op, K, memory, L, a, COMMON, x);
      post({ type: 'done', seq: q.seq, data: x }, [x.buffer]);
    } catch (e) {
      post({ type: 'failed', seq: q.seq, message: String(e && e.stack || e) });
    }
  });
  post({ type: 'ready' });
}
function writeErr(bytes, s) {
  const enc = new TextEncoder().encode(s.slice(0, 1000));
  bytes.fill(0); bytes.set(enc.subarray(0, bytes.length - 1));
}
// Private mode: xchg (Float64Array over a plain SharedArrayBuffer) holds x (B × N), b (m), R (B × m), then per worker
// S_t (B × N) and ss_t (B). Common args: [0] N, [1] m, [2] T, [3] precision (0 f64, 1 mixed, 2 f32), [4] B.
// Worker args: [0] row0, [1] rows.
function privateCommand(op, K, memory, L, args, base, xchg) {
  const N = args[0], m = args[1], T = args[2], prec = args[3], B = args[4] || 1;
  const row0 = args[base], rows = args[base + 1], id = (base - COMMON) / SLOTS;
  const buf = memory.buffer;
  const f64 = (p, n) => new Float64Array(buf, p, n);
  const offB = N * B, offR = offB + m, offS = offR + B * m, mine = offS + id * (B * N + B);
  if (op === ${OP.P_GENERATE}) {
    // args: [5] scale, [6] seedHi, [7] seedLo, [8] stream, [9] symmetric n (0 = no)
    K.normal_rows_f32(L.A, rows, N, args[5], args[6], args[7], args[8], row0, L.tab);
    if (args[9] > 0) K.symmetrize_rows_f32(L.A, rows, args[9]);
    return;
  }
  if (op === ${OP.P_APPLY}) {
    f64(L.x, N).set(xchg.subarray(0, N));
    K.gemv_f32_f64(L.r, L.A, L.x, rows, N);
    xchg.set(f64(L.r, rows), offR + row0);
    return;
  }
  if (op === ${OP.P_ADJOINT}) {
    f64(L.r, rows).set(xchg.subarray(offR + row0, offR + row0 + rows));
    K.gemvt_f32_f64(L.S, L.A, L.r, rows, N);
    xchg.set(f64(L.S, N), mine);
    return;
  }
  if (op === ${OP.P_FUSED}) {
    f64(L.x, N).set(xchg.subarray(0, N));
    f64(L.b, rows).set(xchg.subarray(offB + row0, offB + row0 + rows));
    let ss;
    if (prec === 2) {
      K.cvt_f64_to_f32(L.fx, L.x, N); K.cvt_f64_to_f32(L.fb, L.b, rows);
      ss = K.residual_adjoint_f32(L.fS, L.fr, L.A, L.fx, L.fb, rows, N);
      K.cvt_f32_to_f64(L.r, L.fr, rows); K.cvt_f32_to_f64(L.S, L.fS, N);
    } else if (prec === 1) ss = K.residual_adjoint_mixed(L.S, L.r, L.A, L.x, L.b, rows, N);
    else ss = K.residual_adjoint_f32_f64(L.S, L.r, L.A, L.x, L.b, rows, N);
    xchg.set(f64(L.r, rows), offR + row0);
    xchg.set(f64(L.S, N), mine);
    xchg[mine + N] = ss;
    return;
  }
  if (op === ${OP.P_BATCH}) {
    f64(L.x, B * N).set(xchg.subarray(0, B * N));
    f64(L.b, rows).set(xchg.subarray(offB + row0, offB + row0 + rows));
    K.residual_adjoint_batch_f32_f64(L.S, L.r, L.ss, L.A, L.x, L.b, rows, N, B, rows, prec === 0 ? 1 : 0);
    for (let t = 0; t < B; t++) xchg.set(f64(L.r + t * rows * 8, rows), offR + t * m + row0);
    xchg.set(f64(L.S, B * N), mine);
    xchg.set(f64(L.ss, B), mine + B * N);
    return;
  }
  throw new Error('unknown command ' + op);
}
`;
