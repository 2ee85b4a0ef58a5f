// A Cloudflare Worker (workerd) that runs test/runtimes/solve.mjs: workerd forbids compiling wasm from bytes at run
// time, so the baseline kernels are imported as a module (a CompiledWasm module: the wrangler/miniflare default for
// .wasm imports) and passed to createRuntime({ module }).
import kernels from './matsense.wasm'; // bundled beside it (see test/runtimes/runtimes.test.ts)
import { run } from './solve.mjs';

export default {
  async fetch() {
    try {
      return Response.json(await run(kernels));
    } catch (e) {
      return Response.json({ error: String(e?.stack ?? e) }, { status: 500 });
    }
  },
};
