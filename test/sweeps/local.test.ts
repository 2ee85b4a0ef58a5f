// `matsense sweep run` on local threads: every trial once, resumable after Ctrl-C or SIGKILL, whole lines only, the
// numbers of an in-process run; `sweep report` turns the results into tables and plots.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main, StringStream } from '../../src/cli/main.js';
import { createRuntime } from '../../src/runtime.js';
import { planSweep, parseSweepSpec } from '../../src/sweeps/spec.js';
import { runTrial } from '../../src/sweeps/trial.js';
import { packageVersion } from '../../src/sweeps/version.js';
import { comparable, ensureDist, results, startCli, timeless, waitFor, writeSpec } from './helpers.js';

const SMALL = {
  name: 'small', problem: { n1: 12, r: [1, 2], m: [60, 120], seed: [0, 1] },
  solver: { method: 'gd', k: 4, alpha: 1e-3, maxIter: 400, tol: 1e-9 }, keep: { thresholds: [1e-2, 1e-6], success: 1e-2, record: true, recordEvery: 50 },
};
/** About 0.6 s per trial on the 2-core machine: long enough to kill a run mid-trial. */
const SLOW = { name: 'slow', problem: { n1: 40, r: 2, m: 1200, seed: [0, 1, 2, 3, 4, 5] }, solver: { k: 8, alpha: 1e-3, maxIter: 800, tol: 0 } };

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new StringStream(), err = new StringStream();
  const code = await main(args, { stdout: out, stderr: err });
  return { code, out: out.text, err: err.text };
}

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'matsense-sweep-')); ensureDist(); });

describe('matsense sweep (local threads)', () => {
  it('runs every trial once with the numbers of an in-process run, and a rerun runs nothing', async () => {
    const spec = writeSpec(join(tmp, 'small.json'), SMALL), dir = join(tmp, 'small');
    const r1 = await cli(['sweep', 'run', spec, '--out', dir, '--threads', '2']);
    expect(r1.err).toBe('');
    expect(r1.code).toBe(0);
    expect(r1.out).toMatch(/finished: 8 trials run in .*, 0 already done/);
    const lines = results(dir);
    expect(lines).toHaveLength(8);
    const plan = planSweep(parseSweepSpec(SMALL), await packageVersion());
    expect(new Set(lines.map((l) => l.key))).toEqual(new Set(plan.trials.map((t) => t.key)));
    // the same trials in this process, on the baseline kernels the threads use
    const rt = await createRuntime({ simd: 'baseline' });
    for (const t of plan.trials) {
      const line = lines.find((l) => l.key === t.key)!;
      const ref = runTrial(rt, t, plan.keep);
      expect(line.error).toBeUndefined();
      expect(timeless(line.result)).toEqual(timeless(ref.result));
    }
    // r = 1 at m = 120 recovers (rel. error 7.6e-4 ≤ 1e-2), with a record thinned to every 50th iterate
    const good = lines.find((l) => l.problem.r === 1 && l.problem.m === 120 && l.problem.seed === 0)!;
    expect(good.result!.success).toBe(true);
    expect(good.result!.itersTo[0]).toBeGreaterThan(0);
    expect(good.result!.record!.iter.slice(0, 3)).toEqual([0, 50, 100]);
    const r2 = await cli(['sweep', 'run', spec, '--out', dir]);
    expect(r2.out).toMatch(/finished: 0 trials run in .*, 8 already done/);
    expect(results(dir)).toHaveLength(8);
  });

  it('a torn last line (a crash mid-write) is dropped and its trial run again; a damaged middle line is refused', async () => {
    const spec = writeSpec(join(tmp, 'torn.json'), SMALL), dir = join(tmp, 'torn');
    expect((await cli(['sweep', 'run', spec, '--out', dir])).code).toBe(0);
    const path = join(dir, 'results.jsonl');
    const text = readFileSync(path, 'utf8');
    const lastStart = text.lastIndexOf('\n', text.length - 2) + 1;
    truncateSync(path, Buffer.byteLength(text.slice(0, lastStart + 40))); // half a line, as a power loss leaves it
    appendFileSync(path, '\0\0\0\0');
    const r = await cli(['sweep', 'run', spec, '--out', dir]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/finished: 1 trial run in .*, 7 already done/);
    expect(r.out).toMatch(/dropped a torn last line \(44 bytes\)/);
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).key).sort()).toEqual(results(dir).map((l) => l.key).sort());
    expect(results(dir)).toHaveLength(8);
    // an edited file: a bad line in the middle is not silently dropped
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[2] = '{"key": "garbage"}';
    writeFileSync(path, lines.join('\n'));
    const bad = await cli(['sweep', 'run', spec, '--out', dir]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/results.jsonl: line 3 is not a result line .* the file was edited or damaged/);
  });

  it('SIGKILL mid-run loses only the running trials; SIGINT stops cleanly (130); both resume to every trial exactly once', async () => {
    const spec = writeSpec(join(tmp, 'slow.json'), SLOW), dir = join(tmp, 'slow');
    const a = startCli(['sweep', 'run', spec, '--out', dir, '--threads', '1']);
    await waitFor('two results', () => results(dir).length >= 2);
    a.child.kill('SIGKILL');
    await a.exited;
    const afterKill = results(dir).length;
    expect(afterKill).toBeGreaterThanOrEqual(2);
    expect(afterKill).toBeLessThan(6);
    expect(readFileSync(join(dir, 'results.jsonl'), 'utf8').endsWith('\n')).toBe(true);
    // the killed run's lock names a dead process: the next run takes it over
    const b = startCli(['sweep', 'run', spec, '--out', dir, '--threads', '1']);
    await waitFor('one more result', () => results(dir).length > afterKill);
    b.child.kill('SIGINT');
    expect(await b.exited).toBe(130);
    expect(b.out()).toMatch(/interrupted: \d+ trials? run in .*already done[\s\S]*run the same command again to resume/);
    const afterInt = results(dir).length;
    expect(afterInt).toBeLessThan(6);
    const c = await cli(['sweep', 'run', spec, '--out', dir, '--threads', '2']);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(new RegExp(`finished: ${6 - afterInt} trials? run in .*, ${afterInt} already done`));
    const keys = results(dir).map((l) => l.key);
    expect(keys).toHaveLength(6);
    expect(new Set(keys).size).toBe(6);
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  }, 120_000);

  it('a second run into a folder that a live run is writing is refused, naming that run', async () => {
    const spec = writeSpec(join(tmp, 'slow2.json'), SLOW), dir = join(tmp, 'slow2');
    const a = startCli(['sweep', 'run', spec, '--out', dir, '--threads', '1']);
    await waitFor('a result', () => results(dir).length >= 1);
    const b = await cli(['sweep', 'run', spec, '--out', dir]);
    a.child.kill('SIGINT');
    await a.exited;
    expect(b.code).toBe(1);
    expect(b.err).toMatch(new RegExp(`is being written by another matsense sweep \\(pid ${a.child.pid}\\)`));
  }, 60_000);

  it('trials the library refuses are recorded with their error; bad specs and flags are clear errors', async () => {
    const spec = writeSpec(join(tmp, 'refused.json'), { problem: { n1: 6, r: [2, 9], m: 40 }, solver: { k: 2, maxIter: 50 } });
    const r = await cli(['sweep', 'run', spec, '--out', join(tmp, 'refused')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/1 refused by the library/);
    const refused = results(join(tmp, 'refused')).find((l) => l.problem.r === 9)!;
    expect(refused.error).toMatch(/^ValidationError: .*r/);
    const typo = writeSpec(join(tmp, 'typo.json'), { problem: { n1: 6, r: 2, m: 40 }, solver: { maxIters: 5 } });
    const t = await cli(['sweep', 'run', typo]);
    expect(t.code).toBe(1);
    expect(t.err).toMatch(/typo.json.solver: unknown key 'maxIters' — did you mean 'maxIter'\?/);
    expect((await cli(['sweep', 'run', join(tmp, 'nope.json')])).err).toMatch(/nope.json: no such file/);
    expect((await cli(['sweep', 'frobnicate'])).code).toBe(2);
    expect((await cli(['sweep', 'run', spec, '--threads', '0'])).code).toBe(2);
    const both = await cli(['sweep', 'run', spec, '--threads', '2', '--queue', 'redis://127.0.0.1:1']);
    expect([both.code, both.err]).toEqual([2, "matsense: --threads is for local runs; with --queue, each `matsense worker` sets its own --concurrency\nRun 'matsense sweep --help' for usage.\n"]);
    expect((await cli(['sweep', 'run', spec, '--redis-timeout', '3'])).code).toBe(2);
    // Xiong et al.'s setting: a PSD target under general Gaussian matrices — only for a symmetric target
    const gen = writeSpec(join(tmp, 'general.json'), { problem: { n1: 8, r: 2, m: 120, symmetric: [true, false], generalOperator: true }, solver: { k: 2, maxIter: 20 } });
    expect((await cli(['sweep', 'run', gen, '--out', join(tmp, 'general')])).out).toMatch(/1 refused by the library/);
    const general = results(join(tmp, 'general'));
    expect(general.find((l) => l.problem.symmetric === true)!.result!.iterations).toBe(20);
    expect(general.find((l) => l.problem.symmetric === false)!.error).toMatch(/generalOperator applies to a symmetric target/);
    const check = await cli(['sweep', 'check', spec]);
    expect(check.out).toMatch(/valid; 2 trials over problem.r/);
  });

  it('report: every trial and each grid point over its seeds as CSV, a printed table, and the phase-transition heat map', async () => {
    const dir = join(tmp, 'small');
    const r = await cli(['sweep', 'report', dir]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/r\s+m\s+trials\s+success/);
    const summary = readFileSync(join(dir, 'report', 'summary.csv'), 'utf8').trim().split('\n');
    expect(summary[0]).toBe('r,m,trials,success,median iters to 0.01,median iters to 0.000001,median rel. error,median ms');
    expect(summary).toHaveLength(5); // (r, m) ∈ {1, 2} × {60, 120}, each over 2 seeds
    const lines = results(dir);
    const both = lines.filter((l) => l.problem.r === 1 && l.problem.m === 120);
    const rate = both.filter((l) => l.result!.success).length / both.length;
    expect(summary.find((l) => l.startsWith('1,120,2,'))!.split(',')[3]).toBe(String(rate));
    expect(readFileSync(join(dir, 'report', 'trials.csv'), 'utf8').trim().split('\n')).toHaveLength(9);
    const svg = readFileSync(join(dir, 'report', 'phase-transition.svg'), 'utf8');
    expect(svg).toMatch(/Recovery rate over \(m, r\)/);
    expect(comparable(lines[0]!)).toBeTruthy();
  });

  it('report: α and κ axes give iteration curves, a point only where every repetition reached the threshold', async () => {
    const spec = writeSpec(join(tmp, 'curves.json'), {
      problem: { n1: 12, r: 2, m: 150, kappa: [1, 4], seed: [0, 1] },
      solver: { k: 4, alpha: [1e-2, 1e-4], maxIter: 600, tol: 0, errorTol: 1e-5 }, keep: { thresholds: [1e-2, 1e-5] },
    });
    const dir = join(tmp, 'curves');
    expect((await cli(['sweep', 'run', spec, '--out', dir])).code).toBe(0);
    const r = await cli(['sweep', 'report', dir]);
    expect(r.code).toBe(0);
    for (const f of ['alpha-curves.svg', 'alpha-curves.vl.json', 'kappa-curves.svg', 'kappa-curves.vl.json']) expect(existsSync(join(dir, 'report', f))).toBe(true);
    expect(existsSync(join(dir, 'report', 'phase-transition.svg'))).toBe(false); // no (m, r) grid here
    // the summary's medians are those of the trials' own numbers
    const lines = results(dir);
    const summary = readFileSync(join(dir, 'report', 'summary.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(summary).toHaveLength(4);
    for (const row of summary) {
      const [kappa, alpha] = [Number(row[0]), Number(row[1])];
      const its = lines.filter((l) => l.problem.kappa === kappa && l.solver.alpha === alpha).map((l) => l.result!.itersTo[0]);
      const want = its.every((v) => v !== null) ? String(((its[0] as number) + (its[1] as number)) / 2) : '—';
      expect(row[4]).toBe(want);
    }
    const vl = JSON.parse(readFileSync(join(dir, 'report', 'alpha-curves.vl.json'), 'utf8'));
    expect(JSON.stringify(vl)).toMatch(/kappa = 1: to 0.01/);
  });
});
