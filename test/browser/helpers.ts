/**
 * Shared set-up of the browser tests: Debian's chromium driven by playwright-core, free ports, and the tiny static
 * file server of bench/browser/static-server.mjs (correct `application/wasm` MIME, optional COOP/COEP) for pages
 * that use no bundler.
 *
 * The tests need /usr/bin/chromium (CI installs it: `apt-get install -y chromium`). When it is missing they FAIL
 * with a message saying so; set MATSENSE_SKIP_BROWSER=1 to skip them on purpose.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, freePort, serveStatic } from '../../bench/browser/static-server.mjs';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM = process.env.MATSENSE_CHROMIUM ?? '/usr/bin/chromium';
/** MATSENSE_SKIP_BROWSER=1: skip every browser test (developer opt-out; CI never sets it). */
export const SKIP_BROWSER = process.env.MATSENSE_SKIP_BROWSER === '1';
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

export { CHROMIUM_ARGS };

/** Launch headless chromium, or throw a message that says how to get it (or skip the tests). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `browser tests need Chromium at ${CHROMIUM}, which is missing. Install it with \`apt-get install -y chromium\` ` +
        `(CI does this in .ci/run), point MATSENSE_CHROMIUM at another binary, or set MATSENSE_SKIP_BROWSER=1 to skip these tests.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export { freePort, serveStatic };
export type StaticServer = Awaited<ReturnType<typeof serveStatic>>;
