// `node bench/browser.mjs [--quick] [--serve]`: the GD-iteration benchmark in headless Chromium and in Node, with
// the same measurement code (bench/browser/gd-iteration-core.js) and the same built package (dist/), printed side by
// side and written to bench/results-browser.json. The page is served cross-origin isolated (COOP/COEP), which also
// gives it full-resolution timers. `--serve` only serves the page for a manual look in a desktop browser.
// Needs `npm run build` and /usr/bin/chromium (or MATSENSE_CHROMIUM).
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { CHROMIUM_ARGS, serveStatic } from './browser/static-server.mjs';
import { runGdIteration, SIZES } from './browser/gd-iteration-core.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');
const chromiumPath = process.env.MATSENSE_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(new URL('../dist/index.js', import.meta.url)) || !existsSync(new URL('../build/matsense.wasm', import.meta.url))) {
  console.error('bench/browser: dist/ or build/ is missing; run `npm run build` first');
  process.exit(1);
}

const loadBefore = loadavg()[0];
const server = await serveStatic(root, { isolate: true });
const pageUrl = `${server.url}/bench/browser/gd-iteration.html${quick ? '?quick=1' : ''}`;
if (process.argv.includes('--serve')) {
  console.log(`serving ${pageUrl} (Ctrl-C to stop)`);
  await new Promise(() => {});
}

let browserRes;
try {
  if (!existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath}: apt-get install -y chromium (or set MATSENSE_CHROMIUM)`);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(pageUrl);
    await page.waitForFunction(() => window.__benchResult, null, { timeout: 300_000, polling: 500 });
    browserRes = await page.evaluate(() => window.__benchResult);
    browserRes.version = browser.version();
  } finally {
    await browser.close();
  }
} finally {
  await server.close();
}
if (browserRes.error) throw new Error(`the benchmark failed in Chromium: ${browserRes.error}`);

// Node second, in this process (so the two never compete for the cores)
const nodeRes = await runGdIteration({ matsense: await import('../dist/index.js'), Bench, quick });

const fmt = (v, d = 2) => (v === undefined || v === null || Number.isNaN(v) ? '—' : Number(v).toFixed(d));
const { n1, n2, r, k, m } = SIZES;
console.log(`\nGD iteration, n1 = n2 = ${n1}, r = ${r}, k = ${k}, m = ${m} (operator ${(nodeRes.operatorBytes / 1e6).toFixed(0)} MB f32), median ms per iteration`);
console.log(`Node ${process.version} vs Chromium ${browserRes.version} (cross-origin isolated: ${browserRes.crossOriginIsolated}), ${cpus().length} cores, same code: bench/browser/gd-iteration-core.js`);
console.log(`1-min load average: ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after (the machine's other work slows both columns)`);
console.log('| case | Node ms | Chromium ms | Chromium / Node | Node GB/s | Chromium GB/s |');
console.log('|---|---:|---:|---:|---:|---:|');
const names = [...new Set([...nodeRes.rows, ...browserRes.rows].map((x) => x.name))];
const rows = names.map((name) => {
  const nr = nodeRes.rows.find((x) => x.name === name) ?? { name, ms: null, gbs: null };
  const br = browserRes.rows.find((x) => x.name === name);
  console.log(`| ${name} | ${fmt(nr.ms)} | ${fmt(br?.ms)} | ${fmt(br && nr.ms ? br.ms / nr.ms : null)} | ${fmt(nr.gbs, 1)} | ${fmt(br?.gbs, 1)} |`);
  return { name: nr.name, nodeMs: nr.ms, chromiumMs: br?.ms ?? null, nodeGBs: nr.gbs, chromiumGBs: br?.gbs ?? null };
});
console.log(`problem generation: Node ${fmt(nodeRes.generateMs, 0)} ms, Chromium ${fmt(browserRes.generateMs, 0)} ms`);
const out = new URL('./results-browser.json', import.meta.url);
writeFileSync(out, JSON.stringify({
  date: new Date().toISOString(), quick, sizes: SIZES, operatorBytes: nodeRes.operatorBytes,
  machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', loadAverage1mBefore: loadBefore, loadAverage1mAfter: loadavg()[0] },
  node: { version: process.version, generateMs: nodeRes.generateMs, rows: nodeRes.rows },
  chromium: { version: browserRes.version, userAgent: browserRes.userAgent, crossOriginIsolated: browserRes.crossOriginIsolated, generateMs: browserRes.generateMs, rows: browserRes.rows },
  sideBySide: rows,
}, null, 2) + '\n');
console.log(`written ${fileURLToPath(out)}`);
