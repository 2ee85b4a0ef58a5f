// Compiles the AssemblyScript kernels into build/ (four binaries: SIMD, SIMD + threads over shared memory, and the
// same two with relaxed SIMD's fused multiply–add) and records them in build/manifest.json with a content hash each
// and the hash of their sources (assembly/, asconfig.json, the compiler's version): when the sources are unchanged
// and the binaries are there, nothing is recompiled (`npm pack` and `npm install` then take seconds, not ~20 s).
// Logs go to stderr, so that `npm pack --json` prints only JSON. `--force` recompiles anyway.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ascPkg = createRequire(import.meta.url).resolve('assemblyscript/package.json');
const asc = join(dirname(ascPkg), 'bin', 'asc.js');
const TARGETS = [['simd', 'matsense.wasm'], ['threads', 'matsense-threads.wasm'], ['relaxed', 'matsense-relaxed.wasm'], ['relaxed-threads', 'matsense-relaxed-threads.wasm']];

/** Hash of everything the binaries are compiled from. */
function sourceHash() {
  const h = createHash('sha256');
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else { h.update(p.slice(root.length)); h.update(readFileSync(p)); }
    }
  };
  walk(join(root, 'assembly'));
  h.update(readFileSync(join(root, 'asconfig.json')));
  h.update(JSON.parse(readFileSync(ascPkg, 'utf8')).version);
  return h.digest('hex').slice(0, 16);
}

const build = join(root, 'build'), manifestPath = join(build, 'manifest.json');
mkdirSync(build, { recursive: true });
const sources = sourceHash();
const old = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : null;
if (!process.argv.includes('--force') && old?.sources === sources && TARGETS.every(([, f]) => existsSync(join(build, f)))) {
  console.error(`wasm up to date (sources ${sources}): nothing to compile`);
  process.exit(0);
}
const manifest = { sources };
for (const [target, file] of TARGETS) {
  execFileSync(process.execPath, [asc, 'assembly/index.ts', '--config', 'asconfig.json', '--target', target], { cwd: root, stdio: ['ignore', 2, 2] });
  const bytes = readFileSync(join(build, file));
  manifest[target] = { file, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex').slice(0, 16) };
}
writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
console.error(`wasm built: ${TARGETS.map(([t]) => manifest[t]).map((m) => `${m.file} (${m.bytes} B, ${m.sha256})`).join(', ')}`);
