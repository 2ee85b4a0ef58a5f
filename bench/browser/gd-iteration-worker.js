// The browser benchmark runs in a module Web Worker: the threaded case blocks in Atomics.wait, which browsers allow
// in workers but not on a page's main thread (and a worker is where an application would run matsense anyway).
import * as matsense from '/dist/index.js';
import { Bench } from '/node_modules/tinybench/dist/index.js';
import { runGdIteration } from './gd-iteration-core.js';

self.onmessage = async (ev) => {
  try {
    const simd = ev.data?.simd ?? 'baseline';
    if (simd === 'relaxed' && !matsense.relaxedSimdSupported()) { postMessage({ skipped: 'this engine has no relaxed SIMD' }); return; }
    const res = await runGdIteration({ matsense, Bench, quick: ev.data?.quick === true, simd });
    res.crossOriginIsolated = self.crossOriginIsolated === true;
    postMessage(res);
  } catch (e) {
    postMessage({ error: String((e && e.stack) || e) });
  }
};
