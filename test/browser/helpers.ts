/**
 * Shared set-up of the browser tests: Debian's chromium driven by playwright-core, Debian's firefox-esr driven over
 * WebDriver BiDi by puppeteer-core (playwright drives only its own patched Firefox builds), free ports, and the tiny static
 * file server of bench/browser/static-server.mjs (correct `application/wasm` MIME, optional COOP/COEP) for pages
 * that use no bundler.
 *
 * The tests need /usr/bin/chromium (or MATSENSE_CHROMIUM). When it is missing they are skipped, with one line at the
 * start of `npm test` saying how to run them — unless MATSENSE_REQUIRE_BROWSER=1 (CI sets it, after installing
 * Chromium), which makes a missing browser a failure. MATSENSE_SKIP_BROWSER=1 skips them on purpose. The same holds
 * for the Firefox suite and /usr/bin/firefox-esr (or MATSENSE_FIREFOX).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import puppeteer, { type Browser as PuppeteerBrowser } from 'puppeteer-core';
import { CHROMIUM_ARGS, freePort, serveStatic } from '../../bench/browser/static-server.mjs';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM = process.env.MATSENSE_CHROMIUM ?? '/usr/bin/chromium';
/** MATSENSE_REQUIRE_BROWSER=1 (CI): the browser suites must run; a missing Chromium fails them. */
export const BROWSER_REQUIRED = process.env.MATSENSE_REQUIRE_BROWSER === '1';
/**
 * Skip every browser test: on purpose (MATSENSE_SKIP_BROWSER=1), or when Chromium is missing and not required (a
 * fresh machine with only Node: `npm test` must pass there; the global set-up prints how to run them).
 */
export const SKIP_BROWSER = process.env.MATSENSE_SKIP_BROWSER === '1' || (!existsSync(CHROMIUM) && !BROWSER_REQUIRED);
export const FIREFOX = process.env.MATSENSE_FIREFOX ?? '/usr/bin/firefox-esr';
/** Skip the Firefox suite: on purpose, or when firefox-esr is missing and the browser suites are not required. */
export const SKIP_FIREFOX = process.env.MATSENSE_SKIP_BROWSER === '1' || (!existsSync(FIREFOX) && !BROWSER_REQUIRED);
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

export { CHROMIUM_ARGS };

/** Launch headless chromium, or throw a message that says how to get it (or skip the tests). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `browser tests need Chromium at ${CHROMIUM}, which is missing. Install it with \`apt-get install -y chromium\` ` +
        `(CI does this in .ci/run, and requires these tests with MATSENSE_REQUIRE_BROWSER=1), or point MATSENSE_CHROMIUM at another binary.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Launch headless Firefox over WebDriver BiDi, or throw a message that says how to get it. */
export async function launchFirefox(): Promise<PuppeteerBrowser> {
  if (!existsSync(FIREFOX)) {
    throw new Error(
      `the Firefox suite needs firefox-esr at ${FIREFOX}, which is missing. Install it with \`apt-get install -y firefox-esr\` ` +
        `(CI does this in .ci/run), or point MATSENSE_FIREFOX at another binary.`,
    );
  }
  return puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true });
}

export { freePort, serveStatic };
export type StaticServer = Awaited<ReturnType<typeof serveStatic>>;
