// One smoke test of the real binary: `node bin/matsense.js demo` (builds dist/ first when it is missing or stale).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

beforeAll(() => {
  const built = join(ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(built) || statSync(built).mtimeMs < newest(join(ROOT, 'src'))) {
    execFileSync('npm', ['run', 'build:ts'], { cwd: ROOT, stdio: 'ignore' });
  }
});

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
  it.each(['shared', 'private'])('SIGINT stops a threaded run (%s memory) within seconds and it reports what it has', async (memory) => {
    const args = [join(ROOT, 'bin', 'matsense.js'), 'solve', '--n1', '40', '--r', '2', '--m', '4000', '--k', '4', '--iters', '100000000', '--tol', '0',
      '--threads', '2', '--memory', memory, '--progress', 'lines'];
    const child = spawn(process.execPath, args);
    let out = '';
    child.stdout.setEncoding('utf8');
    const sent = new Promise<number>((res) => child.stdout.on('data', (d: string) => {
      out += d;
      if (/iter/.test(out) && !child.killed) { child.kill('SIGINT'); res(performance.now()); }
    }));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    const t0 = await sent;
    const code = await exited;
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(code).not.toBeNull();
    expect(out).toMatch(/aborted/);
  });
});

