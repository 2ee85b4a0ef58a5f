// Bundles the worker program (src/workers/worker.ts and the block programs and protocol it imports) into one
// self-contained classic script, build/matsense-worker.js, which src/workers/spawn.ts starts on every platform.
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
console.error('worker built: build/matsense-worker.js');
