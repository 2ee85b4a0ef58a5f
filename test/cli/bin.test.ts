// One smoke test of the real binary: `node bin/matsense.js demo` (builds dist/ first when it is missing or stale:
// ensureDist, shared with the sweep tests).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDist } from '../sweeps/helpers.js';

const ROOT = join(__dirname, '..', '..');

beforeAll(ensureDist);

describe('bin/matsense.js', () => {
  it('runs the demo and exits 0; a usage error exits 2 with one line on stderr', () => {
    const ok = spawnSync(process.execPath, [join(ROOT, 'bin', 'matsense.js'), 'demo', '--progress', 'off'], { encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/What happened: gradient descent recovered M\*/);
    const bad = spawnSync(process.execPath, [join(ROOT, 'bin', 'matsense.js'), 'solve', '--eta', 'fast'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe("matsense: --eta must be a finite number, got 'fast'\nRun 'matsense solve --help' for usage.\n");
  });

  // Ctrl-C must stop a threaded run: the coordinator's waits on its workers are timed, so the signal gets through
  // (the old barrier waited forever once a worker was gone, and a long run ignored Ctrl-C until it ended)
  it.each(['shared', 'private'])('SIGINT stops a threaded run (%s memory) within seconds, writes what it has, marked aborted, and exits 130', async (memory) => {
    const dir = mkdtempSync(join(tmpdir(), 'matsense-sigint-'));
    const args = [join(ROOT, 'bin', 'matsense.js'), 'solve', '--n1', '40', '--r', '2', '--m', '4000', '--k', '4', '--iters', '100000000', '--tol', '0',
      '--threads', '2', '--memory', memory, '--progress', 'lines', '--out', join(dir, 'run.json'), '--save', join(dir, 'run.npz')];
    const child = spawn(process.execPath, args);
    let out = '', err = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const sent = new Promise<number>((res) => child.stdout.on('data', (d: string) => {
      out += d;
      if (/iter/.test(out) && !child.killed) { child.kill('SIGINT'); res(performance.now()); }
    }));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    const t0 = await sent;
    const code = await exited;
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(code).toBe(130);
    expect(out).toMatch(/aborted/);
    expect(err).toMatch(/interrupted/);
    const rec = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    expect(rec.stopReason).toBe('aborted');
    expect(rec.iterations).toBeGreaterThan(0);
    expect(statSync(join(dir, 'run.npz')).size).toBeGreaterThan(1000);
  });
});


describe('outputs are never lost or corrupted, and the exit codes follow one rule', () => {
  const bin = join(ROOT, 'bin', 'matsense.js');
  const small = ['solve', '--n1', '12', '--r', '1', '--m', '150', '--k', '1', '--progress', 'off'];

  it('a write that fails (file-size limit: EFBIG, as a full disk gives ENOSPC) leaves the previous file intact and no temporary file, and names the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'matsense-atomic-'));
    // a good previous run, small
    const first = spawnSync(process.execPath, [bin, ...small, '--out', join(dir, 'run.json'), '--save', join(dir, 'run.npz')], { encoding: 'utf8' });
    expect(first.status).toBe(0);
    const goodJson = readFileSync(join(dir, 'run.json')), goodNpz = readFileSync(join(dir, 'run.npz'));
    // a larger run under a 64 KiB file-size limit: both writes fail
    for (const flag of ['--out', '--save']) {
      const target = join(dir, flag === '--out' ? 'run.json' : 'run.npz');
      const big = spawnSync('bash', ['-c', `ulimit -f 64; exec "${process.execPath}" "${bin}" solve --n1 30 --r 2 --m 400 --k 4 --iters 2000 --tol 0 --progress off ${flag} "${target}"`], { encoding: 'utf8' });
      expect(big.status).toBe(1);
      expect(big.stderr).toContain(`cannot write ${target}`);
      expect(big.stderr).toMatch(/EFBIG/);
      expect(big.stderr).toMatch(/previous file there is unchanged/);
      expect(big.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(readFileSync(join(dir, 'run.json')).equals(goodJson)).toBe(true);
    expect(readFileSync(join(dir, 'run.npz')).equals(goodNpz)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['run.json', 'run.npz']);
  });

  it('output paths are checked before the run: a directory, a path through a file, a missing directory; experiment --out a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'matsense-paths-'));
    writeFileSync(join(dir, 'afile'), 'x');
    const cases: [string[], RegExp][] = [
      [['--out', dir + '/sub.json', '--save', join(dir, 'afile', 'x.npz')], /a component of the path is not a directory \(a path through a file\)/],
      [['--out', join(dir, 'missing', 'x.json')], /the directory .*missing does not exist/],
    ];
    for (const [extra, msg] of cases) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [bin, 'solve', '--n1', '12', '--r', '1', '--m', '150', '--k', '1', '--iters', '100000000', '--tol', '0', '--progress', 'off', ...extra], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(msg);
      expect(performance.now() - t0).toBeLessThan(10_000); // before the (endless) run
    }
    const e = spawnSync(process.execPath, [bin, 'experiment', 'sym-vs-asym', '--out', join(dir, 'afile')], { encoding: 'utf8' });
    expect(e.status).toBe(1);
    expect(e.stderr).toMatch(/is a file, not a directory/);
    expect(e.stdout).not.toMatch(/iterations/); // nothing ran
  });

  it('EPIPE (matsense solve … | head) ends quietly', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${bin}" solve --n1 30 --r 2 --m 500 --k 2 --progress lines | head -1`], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('a file with bad values and a file with bad shapes exit alike (1); a bad flag value exits 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'matsense-codes-'));
    // CSV triplets: one with a NaN value, one with a negative index
    writeFileSync(join(dir, 'nan.csv'), '0,0,1\n1,1,NaN\n');
    writeFileSync(join(dir, 'neg.csv'), '0,0,1\n-1,1,2\n');
    for (const f of ['nan.csv', 'neg.csv']) {
      const r = spawnSync(process.execPath, [bin, 'solve', '--load', join(dir, f), '--k', '1', '--progress', 'off'], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(f.replace('.', '\\.')));
    }
    const u = spawnSync(process.execPath, [bin, 'solve', '--k', '0', '--n1', '5', '--r', '1'], { encoding: 'utf8' });
    expect(u.status).toBe(2);
  });
});

describe('the plotting stack (vega, vega-lite) is optional', () => {
  const bin = join(ROOT, 'bin', 'matsense.js'), noVega = ['--import', join(ROOT, 'test', 'fixtures', 'no-vega.mjs')];
  it('the library, solve and demo run without it; experiment says how to install it, before running', () => {
    const lib = spawnSync(process.execPath, [...noVega, '-e', `import(${JSON.stringify(join(ROOT, 'dist', 'index.js'))}).then(async (m) => { const rt = await m.createRuntime(); const p = m.createProblem(rt, { n1: 8, r: 1, m: 60 }); console.log(m.solveSync(rt, p, { k: 1, maxIter: 5 }).iterations); })`], { encoding: 'utf8' });
    expect(lib.stderr).toBe('');
    expect(lib.stdout.trim()).toBe('5');
    const solve = spawnSync(process.execPath, [...noVega, bin, 'solve', '--n1', '12', '--r', '1', '--m', '150', '--k', '1', '--progress', 'off', '--out', join(mkdtempSync(join(tmpdir(), 'matsense-nv-')), 'r.csv')], { encoding: 'utf8' });
    expect(solve.status).toBe(0);
    const demo = spawnSync(process.execPath, [...noVega, bin, 'demo', '--progress', 'off'], { encoding: 'utf8' });
    expect(demo.status).toBe(0);
    const exp = spawnSync(process.execPath, [...noVega, bin, 'experiment', 'sym-vs-asym', '--quick', '--out', mkdtempSync(join(tmpdir(), 'matsense-nv-'))], { encoding: 'utf8' });
    expect(exp.status).toBe(1);
    expect(exp.stderr).toBe('matsense: drawing plots needs the optional packages vega and vega-lite: `npm install vega vega-lite` (the library and `matsense solve` do not)\n');
    expect(exp.stdout).not.toMatch(/iterations/);
  });
});
