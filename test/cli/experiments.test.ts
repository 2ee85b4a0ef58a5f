// Every experiment with --quick: runs, prints its findings, and writes CSV + SVG + Vega-Lite files.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPERIMENTS } from '../../src/cli/experiments/index.js';
import { plateauLevel } from '../../src/cli/experiments/structured.js';
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

describe('experiment findings (quick) show the facts of docs/theory.md §9', () => {
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

describe('experiment findings (quick): the other four experiments', () => {
  it('implicit-reg: at equal train residual, the test error falls as α falls (> 3× over α = 0.1 … 1e-5), towards the train residual', async () => {
    const r = await cli(['experiment', 'implicit-reg', '--quick', '--out', tempDir()]);
    const m = /test error falls from ([\d.e+-]+) at α = [\d.e+-]+ to ([\d.e+-]+) at α/.exec(r.out)!;
    expect(parseFloat(m[1]!) / parseFloat(m[2]!)).toBeGreaterThan(3);
    const ratio = /test error \/ train residual falls from ([\d.e+-]+) to ([\d.e+-]+)/.exec(r.out)!;
    expect(parseFloat(ratio[1]!)).toBeGreaterThan(5);
    expect(parseFloat(ratio[2]!)).toBeLessThan(3);
    // every run reached the common train residual (the comparison is of equal fits)
    expect(r.out).not.toMatch(/max-iterations/);
  });

  it('incremental: singular values learned largest first; the extra ones stay at the init scale', async () => {
    const r = await cli(['experiment', 'incremental', '--quick', '--out', tempDir()]);
    const learned = [...r.out.matchAll(/^\s+σ(\d)\s+[\d.e+-]+\s+(\d+)$/gm)].map((x) => Number(x[2]));
    expect(learned.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < learned.length; i++) expect(learned[i]).toBeGreaterThan(learned[i - 1]!);
    const extra = Number(/extra ones never exceed ([\d.e+-]+) at α = 0\.000001/.exec(r.out)![1]);
    expect(extra).toBeLessThan(1e-5); // α = 1e-6: the low-rank bias keeps σ_{r+1} at the init scale, far below σ_r
  });

  it('methods-kappa: GD slows > 10× from κ = 1 to 100 while PrecGD changes < 3×, AGN < 4× and ScaledGD(λ) < 6×', async () => {
    const r = await cli(['experiment', 'methods-kappa', '--quick', '--out', tempDir()]);
    const line = /iterations until σ_r is learned: (.*?);\s*to 1e-6/.exec(r.out)![1]!;
    const ratio = (name: string) => { const m = new RegExp(`${name} (\\d+) → (\\d+)`).exec(line)!; return Number(m[2]) / Number(m[1]); };
    expect(ratio('gd')).toBeGreaterThan(10);
    expect(ratio('precgd')).toBeLessThan(3);
    expect(ratio('scaledgd-lambda')).toBeLessThan(6);
    expect(ratio('agn')).toBeLessThan(4);
  });

  it('phase-transition: recovery needs more measurements for larger r, between 1× and 2.5× the degrees of freedom', async () => {
    const r = await cli(['experiment', 'phase-transition', '--quick', '--out', tempDir()]);
    const rows = [...r.out.matchAll(/r = (\d): m ≥ (\d+) \(= ([\d.]+) × dof (\d+)\)/g)];
    expect(rows.length).toBe(4);
    for (let i = 1; i < rows.length; i++) expect(Number(rows[i]![2])).toBeGreaterThanOrEqual(Number(rows[i - 1]![2]));
    for (const x of rows) { expect(Number(x[3])).toBeGreaterThanOrEqual(1); expect(Number(x[3])).toBeLessThan(2.5); }
    expect(r.out).toMatch(/\d+ of \d+ runs fitted the measurements .* without recovering M\*/);  });

  it('the sweep-shaped experiments run through the sweep engine: run again into the same --out, they reuse every trial', async () => {
    const dir = tempDir();
    const first = await cli(['experiment', 'phase-transition', '--quick', '--out', dir, '--threads', '2']);
    expect(first.code).toBe(0);
    expect(readFileSync(join(dir, 'trials', 'phase-transition', 'results.jsonl'), 'utf8').trim().split('\n')).toHaveLength(84);
    const again = await cli(['experiment', 'phase-transition', '--quick', '--out', dir]);
    expect(again.out).toMatch(/\(84 of 84 trials recorded by an earlier run/);
    const table = (out: string) => out.slice(out.indexOf('recovery probability (rows r'), out.indexOf('wrote'));
    expect(table(again.out)).toBe(table(first.out));
  });
});

describe('experiment completion: the facts on structured operators', () => {
  it('states a verdict for each fact and operator; on rank-one measurements the Gaussian facts hold (quick sizes)', async () => {
    const r = await cli(['experiment', 'completion', '--quick', '--out', tempDir()]);
    expect(r.code).toBe(0);
    const verdicts = r.out.slice(r.out.indexOf('Verdicts'));
    expect(verdicts.match(/HOLDS|DOES NOT HOLD/g)).toHaveLength(12); // 2 operators × (2 + 4) facts
    const rankOne = verdicts.slice(verdicts.indexOf('rank-one'));
    expect(rankOne).toMatch(/symmetric k > r sublinear \(slope ≈ −1\): HOLDS \(slope -0\.9\d/);
    expect(rankOne).toMatch(/asymmetric k > r linear: HOLDS/);
    expect(rankOne).toMatch(/one-step modification makes the rate nearly independent of α: HOLDS/);
    // completion at 40 % of 40 × 40: both models stall near the α plateau within the run (a measured difference)
    const completion = verdicts.slice(0, verdicts.indexOf('rank-one'));
    expect(completion).toMatch(/symmetric k > r sublinear \(slope ≈ −1\): DOES NOT HOLD/);
  });

  it('plateauLevel finds the knee of a fast fall followed by a slow decay, and nothing in a curve that keeps halving', () => {
    const iter = Array.from({ length: 400 }, (_, t) => t);
    // fast fall e^{−t/5} until it meets the plateau 1e-2, then a slow decay
    const err = iter.map((t) => Math.max(Math.exp(-t / 5), 1e-2 * Math.exp(-t / 2000)));
    const p = plateauLevel(iter, err)!;
    expect(p.level).toBeGreaterThan(0.5e-2);
    expect(p.level).toBeLessThan(2e-2);
    expect(plateauLevel(iter, iter.map((t) => Math.exp(-t / 5)))).toBeUndefined();
    expect(plateauLevel(iter, iter.map(() => 1))).toBeUndefined();
  });
});

describe('experiment progress on a terminal', () => {
  it('draws a bar per run and erases it', async () => {
    // completion runs in-process (its facts compare each run with the one before)
    const r = await cli(['experiment', 'completion', '--quick', '--out', tempDir()], { tty: true });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\r\x1b\[2K {2}X Xᵀ, k = \d+ = r [█░]+/);
    expect(r.out).toMatch(/\r\x1b\[2K {2}X Xᵀ, k = \d+ = r: \d+ iterations/); // the bar is erased before the run's line
  });

  it('a sweep-shaped experiment draws one bar over its trials, with an ETA, and erases it', async () => {
    const r = await cli(['experiment', 'implicit-reg', '--quick', '--out', tempDir()], { tty: true });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\r\x1b\[2K {2}\[#{4}\.{20}\] 1\/6 trials \(0 already done\) {2}[\d.]+ m?s, ETA [\d.]+ m?s/);
    expect(r.out).toContain('6/6 trials (0 already done)');
    expect(r.out).toMatch(/\r\x1b\[2K {2}α = 0\.1: \d+ iterations/); // erased before the runs' lines
  });
});
