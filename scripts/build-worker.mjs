// Bundles the worker program (src/workers/worker.ts and the block programs and protocol it imports) into one
// self-contained classic script, build/matsense-worker.js, which src/workers/spawn.ts starts on every platform; and
// the sweep's trial-runner thread (src/sweeps/trial-worker.ts) into build/matsense-sweep-worker.js (Node).
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(root, 'build'), { recursive: true });
await build({
  entryPoints: [join(root, 'src/workers/worker.ts')],
  outfile: join(root, 'build/matsense-worker.js'),
  bundle: true,
  format: 'iife',
  platform: 'neutral',
  target: 'es2022',
  external: ['node:worker_threads'],
  legalComments: 'none',
  logLevel: 'warning',
});
// the sweep's worker-thread program (Node only: it imports node:worker_threads), an ES module
await build({
  entryPoints: [join(root, 'src/sweeps/trial-worker.ts')],
  outfile: join(root, 'build/matsense-sweep-worker.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
});
console.error('workers built: build/matsense-worker.js, build/matsense-sweep-worker.js');
