// Compiles the AssemblyScript kernels into build/ (four binaries: SIMD, SIMD + threads over shared memory, and the
// same two with relaxed SIMD's fused multiply–add)
// and stamps them with a short content hash in build/manifest.json (workers refuse a mismatched binary).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const asc = join(dirname(createRequire(import.meta.url).resolve('assemblyscript/package.json')), 'bin', 'asc.js');
mkdirSync(join(root, 'build'), { recursive: true });
const manifest = {};
for (const [target, file] of [['simd', 'matsense.wasm'], ['threads', 'matsense-threads.wasm'], ['relaxed', 'matsense-relaxed.wasm'], ['relaxed-threads', 'matsense-relaxed-threads.wasm']]) {
  execFileSync(process.execPath, [asc, 'assembly/index.ts', '--config', 'asconfig.json', '--target', target], { cwd: root, stdio: 'inherit' });
  const bytes = readFileSync(join(root, 'build', file));
  manifest[target] = { file, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex').slice(0, 16) };
}
writeFileSync(join(root, 'build', 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(`wasm built: ${Object.values(manifest).map((m) => `${m.file} (${m.bytes} B, ${m.sha256})`).join(', ')}`);
