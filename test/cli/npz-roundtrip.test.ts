// NumPy interop of the CLI: a problem saved with np.savez, solved by `matsense solve --load`, gives the same GD
// trajectory as plain NumPy GD (test/cli/fixtures/make_roundtrip.py states the conventions). The committed fixture
// (p.npz + ref.npz) makes this run without Python; with python3 + numpy present, fresh files are made and our
// saved run is read back by numpy too.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpz } from '../../src/io/npz.js';
import { cli, tempDir } from './helpers.js';

const FIXTURES = join(__dirname, 'fixtures');

function hasNumpy(): boolean {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function compare(dir: string, problem: string, ref: string, precision: 'f64' | 'mixed', rtol: number): Promise<void> {
  // The command of issue 5, plus the precision.
  const r = await cli(['solve', '--load', problem, '--method', 'gd', '--eta', '0.1', '--iters', '500', '--out', 'run.json', '--save', 'run.npz',
    '--precision', precision, '--progress', 'off'], { cwd: dir });
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
  const want = await readNpz(readFileSync(ref));
  const loss = want.loss!.data;
  expect(run.record.loss).toHaveLength(501);
  for (let t = 0; t < loss.length; t++) expect(Math.abs(run.record.loss[t] - loss[t]!)).toBeLessThanOrEqual(rtol * loss[t]!);
  const saved = await readNpz(readFileSync(join(dir, 'run.npz')));
  for (const name of ['F', 'G', 'estimate'] as const) {
    const a = saved[name]!.data, b = want[name]!.data;
    expect(saved[name]!.shape).toEqual(want[name]!.shape);
    let scale = 0;
    for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
    for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(rtol * 10 * scale);
  }
}

describe('NumPy round trip (committed fixture)', () => {
  it('--precision f64 reproduces the NumPy GD trajectory to ~1e-12', async () => {
    await compare(tempDir(), join(FIXTURES, 'p.npz'), join(FIXTURES, 'ref.npz'), 'f64', 1e-11);
  });

  it('the default (mixed) precision agrees to ~1e-7', async () => {
    await compare(tempDir(), join(FIXTURES, 'p.npz'), join(FIXTURES, 'ref.npz'), 'mixed', 1e-6);
  });
});

describe.skipIf(!hasNumpy())('NumPy round trip (fresh files from python3 + numpy)', () => {
  it('np.savez → matsense solve --load → same trajectory; numpy reads the saved run', async () => {
    const dir = tempDir();
    execFileSync('python3', [join(FIXTURES, 'make_roundtrip.py'), dir, '7']);
    await compare(dir, 'p.npz', join(dir, 'ref.npz'), 'f64', 1e-11);
    const out = execFileSync('python3', ['-c', [
      'import json, numpy as np',
      `d = np.load(${JSON.stringify(join(dir, 'run.npz'))})`,
      `r = json.load(open(${JSON.stringify(join(dir, 'run.json'))}))`,
      'print(json.dumps({k: list(d[k].shape) for k in d.files} | {"same": bool(np.array_equal(d["record_loss"], np.array(r["record"]["loss"])))}))',
    ].join('\n')], { encoding: 'utf8' });
    const shapes = JSON.parse(out);
    expect(shapes).toMatchObject({ F: [6, 3], G: [5, 3], estimate: [6, 5], record_loss: [501], record_relError: [501], same: true });
  });
});
