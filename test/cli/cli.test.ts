// End-to-end tests of the CLI, in-process through main(argv, io) with captured streams.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpz } from '../../src/io/npz.js';
import { METHODS } from '../../src/registry.js';
import { kebab } from '../../src/cli/args.js';
import { EXPERIMENTS } from '../../src/cli/experiments/index.js';
import { cli, tempDir } from './helpers.js';

const SMALL = ['--n1', '12', '--n2', '10', '--r', '2', '--m', '300', '--k', '4', '--alpha', '0.01', '--iters', '150'];

/** A user error: one line of message (plus the usage hint), no stack trace. */
function expectCleanError(err: string, pattern: RegExp): void {
  expect(err).toMatch(pattern);
  expect(err).not.toMatch(/\n\s+at /);
  expect(err).not.toMatch(/internal error/);
}

describe('matsense (top level)', () => {
  it('prints the command list with --help and exits 0; with no command exits 2', async () => {
    const h = await cli(['--help']);
    expect(h.code).toBe(0);
    for (const c of ['demo', 'solve', 'experiment', 'methods']) expect(h.out).toContain(c);
    expect((await cli([])).code).toBe(2);
  });

  it('rejects an unknown command with exit code 2', async () => {
    const r = await cli(['sovle']);
    expect(r.code).toBe(2);
    expectCleanError(r.err, /unknown command 'sovle'/);
  });

  it('prints the version', async () => {
    const r = await cli(['--version']);
    expect(r.out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each(['demo', 'solve', 'experiment', 'methods'])('%s --help exits 0 with a usage line', async (c) => {
    const r = await cli([c, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`Usage: matsense ${c}`));
    expect((await cli(['help', c])).out).toBe(r.out);
  });
});

describe('matsense methods / solve --help enumerate the registry', () => {
  it('lists every registered method and each of its parameters', async () => {
    const r = await cli(['methods']);
    expect(r.code).toBe(0);
    for (const m of Object.values(METHODS)) {
      expect(r.out).toContain(m.name);
      for (const p of m.params) expect(r.out).toContain(`--${kebab(p.name)}`);
    }
  });

  it('solve --help has a flag for every method parameter and lists every method', async () => {
    const r = await cli(['solve', '--help']);
    for (const m of Object.values(METHODS)) {
      expect(r.out).toContain(m.name);
      for (const p of m.params) expect(r.out).toContain(`--${kebab(p.name)} `);
    }
  });
});

describe('matsense demo', () => {
  it('solves a small problem and says what happened', async () => {
    const r = await cli(['demo', '--n', '20', '--r', '2', '--k', '5', '--iters', '150']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/final relative error\s+\S+/);
    expect(r.out).toMatch(/stop reason\s+max-iterations/);
    expect(r.out).toMatch(/What happened: gradient descent recovered M\*/);
    expect(r.out).toMatch(/iter \d+\/150/); // plain progress lines (not a TTY)
  });
});

describe('matsense solve', () => {
  it('generates, solves, and writes run.json, run.csv and run.npz', async () => {
    const dir = tempDir();
    const r = await cli(['solve', ...SMALL, '--out', 'run.json', '--save', 'run.npz', '--progress', 'off'], { cwd: dir });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/method\s+gd \(asymmetric, k = 4, η = /);
    expect(r.out).toMatch(/iterations\s+150/);
    const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    expect(run.iterations).toBe(150);
    expect(run.record.loss).toHaveLength(151);
    expect(run.record.relError).toHaveLength(151);
    expect(run.final.relError).toBeLessThan(0.05);
    expect(run.problem).toMatchObject({ generated: true, n1: 12, n2: 10, r: 2, m: 300 });
    const npz = await readNpz(readFileSync(join(dir, 'run.npz')));
    expect(npz.F!.shape).toEqual([12, 4]);
    expect(npz.G!.shape).toEqual([10, 4]);
    expect(npz.estimate!.shape).toEqual([12, 10]);
    expect(npz.record_loss!.shape).toEqual([151]);
    expect(Array.from(npz.record_loss!.data)).toEqual(run.record.loss);

    const c = await cli(['solve', ...SMALL, '--out', 'run.csv', '--quiet'], { cwd: dir });
    expect(c.code).toBe(0);
    const lines = readFileSync(join(dir, 'run.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('iter,loss,relResidual,relError,gradNorm,imbalance,timeMs');
    expect(lines).toHaveLength(152);
  });

  it('fits the symmetric model X Xᵀ and records the test error', async () => {
    const r = await cli(['solve', '--symmetric', '--n1', '12', '--r', '2', '--m', '200', '--m-test', '50', '--k', '2', '--iters', '200', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/gd \(symmetric, k = 2/);
    expect(r.out).toMatch(/final test error/);
  });

  it('draws a progress bar on a TTY', async () => {
    const r = await cli(['solve', ...SMALL], { tty: true });
    expect(r.code).toBe(0);
    expect(r.out).toContain('\r');
    expect(r.out).toMatch(/█+░*\s+\d+%\s+iter \d+\/150\s+rel\. error/);
  });

  it('passes method hyper-parameters from the registry', async () => {
    const r = await cli(['solve', ...SMALL, '--eta', '0.2', '--quiet']);
    expect(r.out).toMatch(/η = 0\.2\b/);
    const other = Object.values(METHODS).find((m) => m.params.some((p) => p.name !== 'eta'));
    if (other) {
      const p = other.params.find((q) => q.name !== 'eta')!;
      const bad = await cli(['solve', ...SMALL, '--method', 'gd', `--${kebab(p.name)}`, '0.5']);
      expect(bad.code).toBe(2);
      expectCleanError(bad.err, new RegExp(`method 'gd' has no parameter --${kebab(p.name)}; it takes: --eta`));
    }
  });

  it('runs every registered method on its default settings', async () => {
    for (const m of Object.values(METHODS)) {
      const r = await cli(['solve', '--n1', '10', '--r', '2', '--m', '200', '--k', '3', '--iters', '150', '--method', m.name, '--quiet']);
      expect(r.err.replace(/^note:.*\n/gm, '')).toBe('');
      expect(r.code, `${m.name}: ${r.out}`).toBe(0);
      expect(r.out).toMatch(new RegExp(`method\\s+${m.name} \\(`));
      // and it made progress: 150 iterations take the relative error well below its start (1; PrecGD's escape is the slowest)
      const err = Number(/final relative error\s+(\S+)/.exec(r.out)![1]);
      expect(err, `${m.name}: ${r.out}`).toBeLessThan(0.5);
    }
  });

  it('--threads 2 splits the operator across workers and gives the same run', async () => {
    const dir = tempDir();
    const one = await cli(['solve', ...SMALL, '--out', 'one.json', '--quiet'], { cwd: dir });
    const two = await cli(['solve', ...SMALL, '--threads', '2', '--out', 'two.json', '--quiet'], { cwd: dir });
    expect(two.code).toBe(0);
    expect(two.out).toMatch(/threads\s+2 \((shared|private) memory\)/);
    const a = JSON.parse(readFileSync(join(dir, 'one.json'), 'utf8')).record.relError as number[];
    const b = JSON.parse(readFileSync(join(dir, 'two.json'), 'utf8')).record.relError as number[];
    expect(b).toHaveLength(a.length);
    // the same run up to the order of the row sums (README: ~1e-9; measured ≤ 2e-9 relative while the error falls)
    for (let t = 0; t < a.length; t++) expect(Math.abs(a[t]! - b[t]!)).toBeLessThanOrEqual(1e-8 * a[t]!);
    expect(one.out).not.toMatch(/threads/);
  });

  it('--load with --threads splits the file\'s operator across workers and gives the same run', async () => {
    const dir = tempDir();
    const problem = join(__dirname, 'fixtures', 'p.npz');
    const args = ['solve', '--load', problem, '--method', 'gd', '--eta', '0.1', '--iters', '60', '--tol', '0', '--quiet'];
    const one = await cli([...args, '--out', 'one.json'], { cwd: dir });
    const two = await cli([...args, '--threads', '2', '--out', 'two.json'], { cwd: dir });
    expect(two.code, two.err).toBe(0);
    expect(two.err).toBe('');
    expect(two.out).toMatch(/threads\s+2 \((shared|private) memory\)/);
    const a = JSON.parse(readFileSync(join(dir, 'one.json'), 'utf8')).record.loss as number[];
    const b = JSON.parse(readFileSync(join(dir, 'two.json'), 'utf8')).record.loss as number[];
    expect(b).toHaveLength(61);
    for (let t = 0; t < a.length; t++) expect(Math.abs(a[t]! - b[t]!)).toBeLessThanOrEqual(1e-8 * a[t]!);
  });

  it('says when --threads cannot apply', async () => {
    const r = await cli(['solve', '--operator', 'identity', '--n1', '8', '--r', '2', '--threads', '2', '--iters', '5', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('note: threads: 1 (the identity operator has no rows to split across workers)\n');
    expect((await cli(['solve', '--threads', '0'])).err).toMatch(/--threads must be ≥ 1/);
  });

  it.each([
    [['--bogus'], 2, /unknown option '--bogus'/],
    [['--k', 'x'], 2, /--k must be a finite number, got 'x'/],
    [['--k', '1.5'], 2, /--k must be an integer, got '1.5'/],
    [['--n1', '5', '--r', '2', '--k', '9'], 2, /invalid input: k = 9 exceeds max\(n1, n2\) = 5/],
    [['--out', 'run.txt'], 2, /--out must end in .json or .csv/],
    [['--save', 'run.json'], 2, /--save must end in .npz/],
    [['--method', 'newton'], 2, /--method must be one of/],
    [['--model', 'symmetric'], 2, /symmetric model X Xᵀ needs a square problem|symmetric/],
    [['--load', 'nope.npz'], 1, /no such file: .*nope\.npz/],
    [['extra'], 2, /unexpected argument 'extra'/],
    [['--out', 'no/such/dir/run.json'], 1, /cannot write .*no\/such\/dir\/run.json: the directory .* does not exist/],
    [['--eta', '50', '--iters', '100'], 1, /^matsense: the run diverged: the loss grew to/],
  ])('error %j → exit %i', async (extra, code, msg) => {
    const r = await cli(['solve', ...(extra[0] === '--n1' || extra[0] === '--load' ? extra : ['--n1', '8', '--n2', '6', '--r', '2', '--m', '100', '--iters', '5', ...extra]), '--quiet']);
    expect(r.code).toBe(code);
    expectCleanError(r.err, msg);
  });
});

describe('matsense solve --load', () => {
  const fixture = join(__dirname, 'fixtures', 'p.npz');

  it('infers the shape from Mstar and k from F0, G0', async () => {
    const r = await cli(['solve', '--load', fixture, '--iters', '10', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/6×5 \(from Mstar's shape\), m = 24/);
    expect(r.out).toMatch(/k = 3/);
    expect(r.out).toMatch(/init\s+from the file/);
  });

  it('rejects generator flags, a k that disagrees with F0, and malformed files, with one line each', async () => {
    const a = await cli(['solve', '--load', fixture, '--r', '2']);
    expect(a.code).toBe(2);
    expectCleanError(a.err, /--r describes a generated problem and cannot be combined with --load/);
    const b = await cli(['solve', '--load', fixture, '--k', '2']);
    expect(b.code).toBe(2);
    expectCleanError(b.err, /--k 2 disagrees with the starting factors in the file, which have 3 columns/);
    const c = await cli(['solve', '--load', fixture, '--n1', '7']);
    expect(c.code).toBe(2);
    expectCleanError(c.err, /A has 30 columns, which is not a multiple of --n1 7/);

    const dir = tempDir();
    const bytes = readFileSync(fixture);
    writeFileSync(join(dir, 'trunc.npz'), bytes.subarray(0, bytes.length >> 1));
    const d = await cli(['solve', '--load', 'trunc.npz'], { cwd: dir });
    expect(d.code).toBe(1);
    expectCleanError(d.err, /^matsense: cannot use the file: /);
    const e = await cli(['solve', '--load', join(__dirname, '..', 'fixtures', 'problem.npz'), '--n1', '3', '--k', '2', '--quiet']);
    expect(e.code).toBe(0); // A 6×12 float32, n1 = 3 → n2 = 4
    expect(e.out).toMatch(/3×4 \(from --n1\/--n2\)/);
  });

  it('names what is missing in a problem file', async () => {
    const dir = tempDir();
    const { writeNpz } = await import('../../src/io/npz.js');
    writeFileSync(join(dir, 'noA.npz'), writeNpz({ y: { dtype: 'float64', shape: [3], data: new Float64Array(3) } }));
    const r = await cli(['solve', '--load', 'noA.npz'], { cwd: dir });
    expect(r.code).toBe(1);
    expectCleanError(r.err, /noA\.npz has no array 'A'.*it holds: y/);
    writeFileSync(join(dir, 'rect.npz'), writeNpz({
      A: { dtype: 'float32', shape: [4, 6], data: new Float32Array(24).fill(1) },
      y: { dtype: 'float64', shape: [4], data: new Float64Array(4) },
    }));
    const s = await cli(['solve', '--load', 'rect.npz', '--k', '1'], { cwd: dir });
    expect(s.code).toBe(2);
    expectCleanError(s.err, /cannot tell n1 × n2 from rect\.npz \(A has 6 columns, not a square\)/);
  });
});

describe('matsense experiment (usage)', () => {
  it('--list names the seven experiments', async () => {
    const r = await cli(['experiment', '--list']);
    expect(r.code).toBe(0);
    expect(EXPERIMENTS).toHaveLength(7);
    for (const e of EXPERIMENTS) expect(r.out).toContain(e.name);
  });

  it('rejects a missing or unknown name', async () => {
    const a = await cli(['experiment']);
    expect(a.code).toBe(2);
    expectCleanError(a.err, /name an experiment: sym-vs-asym/);
    const b = await cli(['experiment', 'nope']);
    expect(b.code).toBe(2);
    expectCleanError(b.err, /unknown experiment 'nope'/);
  });

  it('writes nothing for --help', async () => {
    const dir = tempDir();
    const r = await cli(['experiment', 'sym-vs-asym', '--help'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'matsense-out'))).toBe(false);
  });
});
