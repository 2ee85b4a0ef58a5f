/** `matsense experiment NAME [--out DIR] [--quick]`: reproduce one of the papers' experiments. */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AbortError, MatsenseError } from '../../errors.js';
import { runSweepLocal } from '../../sweeps/local.js';
import { parseResults, RESULTS_FILE } from '../../sweeps/results.js';
import { parseSweepSpec, planSweep } from '../../sweeps/spec.js';
import { packageVersion } from '../../sweeps/version.js';
import { withProgress } from './sweep.js';
import { checkOutputDirectory } from '../../io/node.js';
import { loadRenderer } from '../../plots/node.js';
import { createRuntime } from '../../runtime.js';
import { formatHelp, parseArgs, UsageError, type OptSpec } from '../args.js';
import { EXPERIMENTS } from '../experiments/index.js';
import type { ExperimentContext } from '../experiments/common.js';
import { fmtMs } from '../format.js';
import { println, type CliIO } from '../io.js';
import { requireMethods } from '../methods.js';

const SPECS: OptSpec[] = [
  { name: 'out', type: 'string', metavar: 'DIR', doc: 'directory for the CSV, SVG and .vl.json files (default ./matsense-out/NAME)' },
  { name: 'quick', type: 'flag', doc: 'small sizes: under a minute on two cores (for CI); without it, the papers\' scales' },
  { name: 'seed', type: 'int', min: 0, doc: 'base seed of the problems (default 0)' },
  { name: 'threads', type: 'int', min: 1, doc: 'trials at a time, for the experiments that run as sweeps (default: the machine\'s cores)' },
  { name: 'list', type: 'flag', doc: 'list the experiments and what each shows' },
];

function listText(): string {
  const w = Math.max(...EXPERIMENTS.map((e) => e.name.length));
  return EXPERIMENTS.map((e, i) => `  ${i + 1}. ${e.name.padEnd(w)}  ${e.title}\n     ${' '.repeat(w)}  shows: ${e.shows}`).join('\n') + '\n';
}

export function experimentHelp(): string {
  return formatHelp({
    usage: 'matsense experiment NAME [--out DIR] [--quick] [--seed N] [--threads N]\n       matsense experiment --list',
    description: 'Run one of the experiments of the seed papers. Each writes CSV tables, SVG plots and their Vega-Lite ' +
      'specifications (open the .vl.json in the Vega editor, or mount it in a page), and prints what it shows, with numbers.',
    specs: SPECS,
    footer: `Experiments:\n${listText()}`,
  });
}

export async function experimentCommand(argv: string[], io: CliIO): Promise<number> {
  const { values: v, positionals, help } = parseArgs(argv, SPECS, 'experiment');
  if (help) { io.stdout.write(experimentHelp()); return 0; }
  if (v.list) { io.stdout.write(listText()); return 0; }
  if (positionals.length === 0) throw new UsageError(`name an experiment: ${EXPERIMENTS.map((e) => e.name).join(', ')}`, 'experiment');
  if (positionals.length > 1) throw new UsageError(`one experiment at a time; got ${positionals.join(', ')}`, 'experiment');
  const name = positionals[0]!;
  const exp = EXPERIMENTS.find((e) => e.name === name || String(EXPERIMENTS.indexOf(e) + 1) === name);
  if (!exp) throw new UsageError(`unknown experiment '${name}'; experiments: ${EXPERIMENTS.map((e) => e.name).join(', ')}`, 'experiment');
  requireMethods(`experiment '${exp.name}'`, exp.requires);
  const cwd = io.cwd ?? process.cwd();
  const outDir = resolve(cwd, (v.out as string | undefined) ?? `matsense-out/${exp.name}`);
  await checkOutputDirectory(outDir); // before the run, not after it
  await loadRenderer(); // the plotting packages are optional: say so before running, not after
  const version = await packageVersion();
  const ctx: ExperimentContext = {
    rt: await createRuntime(), quick: Boolean(v.quick), outDir, seed: (v.seed as number | undefined) ?? 0,
    log: (line) => println(io.stdout, line.replace(/\n$/, '')), files: [],
    progress: io.stdout.isTTY ? io.stdout : undefined,
    async sweep(spec, name) {
      const plan = planSweep(parseSweepSpec(spec, `experiment ${exp.name}: sweep ${name}`), version);
      const dir = join(outDir, 'trials', name);
      const summary = await withProgress(io, (signal, onProgress) => runSweepLocal(plan, dir, { threads: v.threads as number | undefined, signal, onProgress }), { ttyOnly: true });
      if (summary.aborted) throw new AbortError(`interrupted: the finished trials are kept in ${dir}; run the same command again to resume`);
      if (summary.failed) throw new MatsenseError(`${summary.failed} trials of ${name} failed: ${summary.failures[0]!.message}`);
      const byKey = new Map(parseResults(await readFile(join(dir, RESULTS_FILE), 'utf8'), dir).lines.map((l) => [l.key, l] as const));
      const lines = plan.trials.map((t) => byKey.get(t.key)!);
      const refused = lines.find((l) => l.error !== undefined);
      if (refused) throw new MatsenseError(`experiment ${exp.name}: trial #${refused.index} was refused: ${refused.error}`);
      if (summary.skipped) println(io.stdout, `  (${summary.skipped} of ${plan.trials.length} trials recorded by an earlier run, in ${dir})`);
      ctx.files.push(join(dir, RESULTS_FILE));
      return lines;
    },
  };
  const t0 = performance.now();
  println(io.stdout, `experiment ${exp.name}${ctx.quick ? ' (quick)' : ''}: ${exp.title}`);
  await exp.run(ctx);
  println(io.stdout, `wrote ${ctx.files.length} files to ${outDir} in ${fmtMs(performance.now() - t0)}:`);
  for (const f of ctx.files) println(io.stdout, `  ${f}`);
  return 0;
}
