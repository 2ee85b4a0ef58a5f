// The TensorFlow.js reference of the browser benchmark, in a classic worker: TensorFlow.js's browser builds are UMD
// scripts (its ES module builds import Node modules), loaded with importScripts; the shared measurement code comes in
// by dynamic import. On a cross-origin-isolated page the wasm backend may use its threaded build.
self.onmessage = async (ev) => {
  try {
    importScripts('/node_modules/@tensorflow/tfjs-core/dist/tf-core.min.js', '/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js');
    const tf = self.tf;
    tf.wasm.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
    await tf.setBackend('wasm');
    await tf.ready();
    const { runTfjsIteration } = await import('./gd-iteration-core.js');
    const { Bench } = await import('/node_modules/tinybench/dist/index.js');
    postMessage(await runTfjsIteration({ tf, Bench, quick: ev.data?.quick === true }));
  } catch (e) {
    postMessage({ error: String((e && e.stack) || e) });
  }
};
