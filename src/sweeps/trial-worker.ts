/**
 * The program of a sweep's worker thread (bundled into build/matsense-sweep-worker.js by scripts/build-worker.mjs):
 * it builds a runtime on the kernels its parent passes in and runs the trials it is sent, one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createRuntime } from '../runtime.js';
import { runTrial } from './trial.js';
import type { ResolvedKeep, Trial } from './spec.js';

interface TrialMessage { id: number; trial: Trial; keep: ResolvedKeep }

const port = parentPort!;
const runtime = createRuntime({ module: (workerData as { module: WebAssembly.Module }).module });
port.on('message', (msg: TrialMessage) => {
  void runtime.then(
    (rt) => {
      try {
        port.postMessage({ id: msg.id, outcome: runTrial(rt, msg.trial, msg.keep) });
      } catch (e) {
        port.postMessage({ id: msg.id, failure: `${(e as Error).name}: ${(e as Error).message}` });
      }
    },
    (e: Error) => port.postMessage({ id: msg.id, failure: `the worker's runtime did not start: ${e.message}` }),
  );
});
