/**
 * Node-only helpers of the plotting layer: write a plot to disk. Not imported by `./render.js` or
 * `./specs.js`, so browser bundles never pull in `node:fs`.
 *
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/node.js';
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg, toCsv } from './render.js';
import type { RenderOptions } from './render.js';

/** Options of {@link writePlot}. */
export interface WritePlotOptions extends RenderOptions {
  /** Also write `<name>.csv` with these numeric columns (see `toCsv`). */
  csv?: Record<string, ArrayLike<number>>;
}

/** Paths written by {@link writePlot}, and how long rendering took. */
export interface WrittenPlot {
  svg: string;
  spec: string;
  csv?: string;
  renderMs: number;
}

/**
 * Render `spec` and write `<dir>/<name>.svg` and `<dir>/<name>.vl.json` (the self-contained Vega-Lite
 * spec, openable in the Vega editor or embeddable in a page), plus `<name>.csv` when `opts.csv` is given.
 * Creates `dir` if needed. Each file is written atomically (a temporary file, flushed and renamed).
 *
 * @throws Error if `name` is not a plain file name (letters, digits, `.`, `_`, `-`).
 */
export async function writePlot(
  dir: string,
  name: string,
  spec: TopLevelSpec,
  opts: WritePlotOptions = {},
): Promise<WrittenPlot> {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name)) {
    throw new Error(`writePlot: ${JSON.stringify(name)} is not a plain file name`);
  }
  const t0 = performance.now();
  const svg = await renderSvg(spec, opts);
  const renderMs = performance.now() - t0;
  await mkdir(dir, { recursive: true });
  const out: WrittenPlot = { svg: join(dir, `${name}.svg`), spec: join(dir, `${name}.vl.json`), renderMs };
  // each file atomically: a failure leaves no partial file and any previous one intact
  await writeFileAtomic(out.svg, svg);
  await writeFileAtomic(out.spec, JSON.stringify(spec, null, 2) + '\n');
  if (opts.csv) {
    out.csv = join(dir, `${name}.csv`);
    await writeFileAtomic(out.csv, toCsv(opts.csv));
  }
  return out;
}
