// Global set-up of the test run. The worker program runs from its bundle (build/matsense-worker.js), not from src/:
// rebuild it before the tests so that they always run the worker code of this checkout (esbuild takes a few tens of
// milliseconds). And say, in one line each, when the browser, Redis or other-runtime suites will be skipped and how
// to run them.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, ['scripts/build-worker.mjs'], { cwd: root, stdio: 'inherit' });
  const chromium = process.env.MATSENSE_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromium) && process.env.MATSENSE_REQUIRE_BROWSER !== '1' && process.env.MATSENSE_SKIP_BROWSER !== '1') {
    console.log(`matsense: the browser suites (test/browser) are skipped: no Chromium at ${chromium}. ` +
      'Run them with `apt-get install -y chromium` (or MATSENSE_CHROMIUM=/path/to/chromium); CI requires them (MATSENSE_REQUIRE_BROWSER=1).');
  }
  const firefox = process.env.MATSENSE_FIREFOX ?? '/usr/bin/firefox-esr';
  if (!existsSync(firefox) && process.env.MATSENSE_REQUIRE_BROWSER !== '1' && process.env.MATSENSE_SKIP_BROWSER !== '1') {
    console.log(`matsense: the Firefox suite (test/browser/firefox.test.ts) is skipped: no Firefox at ${firefox}. ` +
      'Run it with `apt-get install -y firefox-esr` (or MATSENSE_FIREFOX=/path/to/firefox); CI requires it (MATSENSE_REQUIRE_BROWSER=1).');
  }
  const redis = process.env.MATSENSE_REDIS_SERVER ?? 'redis-server';
  if (spawnSync(redis, ['--version']).status !== 0 && process.env.MATSENSE_REQUIRE_REDIS !== '1') {
    console.log(`matsense: the Redis sweep tests (test/sweeps/queue.test.ts) are skipped: no ${redis}. ` +
      'Run them with `apt-get install -y redis-server` (or MATSENSE_REDIS_SERVER=/path/to/redis-server); CI requires them (MATSENSE_REQUIRE_REDIS=1).');
  }
  if (!process.env.MATSENSE_RUNTIMES) {
    console.log('matsense: the Deno, Bun and workerd runs (test/runtimes) are skipped: set MATSENSE_RUNTIMES to a node_modules folder ' +
      'holding the npm packages deno, bun and miniflare (CI installs them: see .ci/run).');
  }
}
