// Every experiment with --quick: runs, prints its findings, and writes CSV + SVG + Vega-Lite files.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPERIMENTS } from '../../src/cli/experiments/index.js';
import { cli, tempDir } from './helpers.js';

describe.each(EXPERIMENTS.map((e) => [e.name]))('matsense experiment %s --quick', (name) => {
  it('writes its plots and tables and states what it shows', async () => {
    const dir = tempDir();
    const t0 = performance.now();
    const r = await cli(['experiment', name, '--quick', '--out', 'out'], { cwd: dir });
    const ms = performance.now() - t0;
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(ms).toBeLessThan(60_000);
    const files = readdirSync(join(dir, 'out'));
    const svgs = files.filter((f) => f.endsWith('.svg'));
    expect(svgs.length).toBeGreaterThan(0);
    for (const svg of svgs) {
      const base = svg.slice(0, -4);
      expect(files).toContain(`${base}.vl.json`);
      expect(files).toContain(`${base}.csv`);
      expect(readFileSync(join(dir, 'out', svg), 'utf8')).toMatch(/^<svg/);
      const csv = readFileSync(join(dir, 'out', `${base}.csv`), 'utf8').trim().split('\n');
      expect(csv.length).toBeGreaterThan(1);
    }
    expect(r.out).toMatch(new RegExp(`wrote ${files.length} files`));
  });
});

describe('experiment findings (quick) show the facts of math.md §9', () => {
  it('sym-vs-asym: symmetric k > r is sublinear (log–log slope ≈ −1)', async () => {
    const r = await cli(['experiment', 'sym-vs-asym', '--quick', '--out', tempDir()]);
    const slope = Number(/error decays like t\^(-?[\d.]+)/.exec(r.out)![1]);
    expect(slope).toBeGreaterThan(-1.5);
    expect(slope).toBeLessThan(-0.5);
  });

  it('alpha-sweep: the plain-GD rate spreads with α, the modified one does not', async () => {
    const r = await cli(['experiment', 'alpha-sweep', '--quick', '--out', tempDir()]);
    const m = /late rate changes by a factor ([\d.e+]+) .*with the one-step modification by a factor ([\d.e+]+)/.exec(r.out)!;
    expect(parseFloat(m[1]!)).toBeGreaterThan(5);
    expect(parseFloat(m[2]!)).toBeLessThan(2);
  });
});

describe('experiment progress on a terminal', () => {
  it('draws a bar per run and erases it', async () => {
    const r = await cli(['experiment', 'implicit-reg', '--quick', '--out', tempDir()], { tty: true });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\r\x1b\[2K {2}α = 0\.1 [█░]+/);
    expect(r.out).toContain('\r\x1b[2K  α = 0.1: '); // the bar is erased before the run's line
  });
});
