// `node bench/browser.mjs [--quick] [--serve]`: the GD-iteration benchmark in headless Chromium and in Node, with
// the same measurement code (bench/browser/gd-iteration-core.js) and the same built package (dist/), printed side by
// side and written to bench/results-browser.json. The page is served cross-origin isolated (COOP/COEP), which also
// gives it full-resolution timers. `--serve` only serves the page for a manual look in a desktop browser.
// Needs `npm run build` and /usr/bin/chromium (or MATSENSE_CHROMIUM).
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { CHROMIUM_ARGS, serveStatic } from './browser/static-server.mjs';
import { runGdIteration, runTfjsIteration, SIZES } from './browser/gd-iteration-core.js';

if (process.argv.includes('--child-relaxed')) {
  const res = await runGdIteration({ matsense: await import('../dist/index.js'), Bench, quick: process.argv.includes('--quick'), simd: 'relaxed' });
  console.log(JSON.stringify(res));
  process.exit(0);
}
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

// Node second (so the two never compete for the cores): the baseline build in this process; the relaxed build here
// where Node validates relaxed SIMD, else in a child with Node 20's flag; TensorFlow.js's wasm backend in this process
const matsense = await import('../dist/index.js');
async function nodeRelaxed() {
  if (matsense.relaxedSimdSupported()) return runGdIteration({ matsense, Bench, quick, simd: 'relaxed' });
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', fileURLToPath(import.meta.url), '--child-relaxed', ...(quick ? ['--quick'] : [])], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return { skipped: `the relaxed build could not run in Node ${process.version}: ${r.stderr.trim().split('\n').at(-1)}` };
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}
const nodeRes = await runGdIteration({ matsense, Bench, quick });
nodeRes.relaxed = await nodeRelaxed();
nodeRes.tfjs = await (async () => {
  try {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm'); await tf.ready();
    return await runTfjsIteration({ tf, Bench, quick });
  } catch (e) { return { error: String(e?.message ?? e) }; }
})();

const fmt = (v, d = 2) => (v === undefined || v === null || Number.isNaN(v) ? '—' : Number(v).toFixed(d));
const { n1, n2, r, k, m } = SIZES;
console.log(`\nGD iteration, n1 = n2 = ${n1}, r = ${r}, k = ${k}, m = ${m} (operator ${(nodeRes.operatorBytes / 1e6).toFixed(0)} MB f32), median ms per iteration`);
console.log(`Node ${process.version} vs Chromium ${browserRes.version} (cross-origin isolated: ${browserRes.crossOriginIsolated}), ${cpus().length} cores, same code: bench/browser/gd-iteration-core.js`);
console.log(`1-min load average: ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after (the machine's other work slows both columns)`);
console.log('| case | Node ms | Chromium ms | Chromium / Node | Node, relaxed SIMD | Chromium, relaxed SIMD | Chromium / Node |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
const find = (res, name) => res?.rows?.find((x) => x.name === name);
const names = [...new Set([...nodeRes.rows, ...browserRes.rows].map((x) => x.name))];
const rows = names.map((name) => {
  const nb = find(nodeRes, name), cb = find(browserRes, name), nr = find(nodeRes.relaxed, name), cr = find(browserRes.relaxed, name);
  const ratio = (a, b) => (a && b ? b.ms / a.ms : null);
  console.log(`| ${name} | ${fmt(nb?.ms)} | ${fmt(cb?.ms)} | ${fmt(ratio(nb, cb))} | ${fmt(nr?.ms)} | ${fmt(cr?.ms)} | ${fmt(ratio(nr, cr))} |`);
  return { name, nodeMs: nb?.ms ?? null, chromiumMs: cb?.ms ?? null, nodeRelaxedMs: nr?.ms ?? null, chromiumRelaxedMs: cr?.ms ?? null };
});
const tfRow = (t) => (t?.medianMs ? `${fmt(t.medianMs)} ms (${t.backend}, SIMD ${t.simd}, threads ${t.threads})` : `— (${t?.error ?? 'not run'})`);
console.log(`| TensorFlow.js ${nodeRes.tfjs?.version ?? ''} wasm backend, same iteration | ${tfRow(nodeRes.tfjs)} | ${tfRow(browserRes.tfjs)} | | | | |`);
for (const [label, res] of [['Node', nodeRes], ['Chromium', browserRes]]) {
  const best = Math.min(...[res, res.relaxed].flatMap((x) => (x?.rows ?? []).filter((q) => q.name.startsWith('matsense mixed')).map((q) => q.ms)));
  if (res.tfjs?.medianMs) console.log(`${label}: TF.js wasm / best matsense default = ${fmt(res.tfjs.medianMs / best, 1)}×`);
}
console.log(`problem generation: Node ${fmt(nodeRes.generateMs, 0)} ms, Chromium ${fmt(browserRes.generateMs, 0)} ms`);
const out = new URL('./results-browser.json', import.meta.url);
writeFileSync(out, JSON.stringify({
  date: new Date().toISOString(), quick, sizes: SIZES, operatorBytes: nodeRes.operatorBytes,
  machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', loadAverage1mBefore: loadBefore, loadAverage1mAfter: loadavg()[0] },
  node: { version: process.version, generateMs: nodeRes.generateMs, rows: nodeRes.rows, relaxed: nodeRes.relaxed, tfjs: nodeRes.tfjs },
  chromium: { version: browserRes.version, userAgent: browserRes.userAgent, crossOriginIsolated: browserRes.crossOriginIsolated, generateMs: browserRes.generateMs, rows: browserRes.rows, relaxed: browserRes.relaxed, tfjs: browserRes.tfjs },
  sideBySide: rows,
}, null, 2) + '\n');
console.log(`written ${fileURLToPath(out)}`);
