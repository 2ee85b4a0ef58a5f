// The worker program runs from its bundle (build/matsense-worker.js), not from src/: rebuild it before the tests so
// that they always run the worker code of this checkout (esbuild takes a few tens of milliseconds).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, ['scripts/build-worker.mjs'], { cwd: root, stdio: 'inherit' });
}
