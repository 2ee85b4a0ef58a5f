/**
 * Node-only helpers of the plotting layer: write a plot to disk. Not imported by `./render.js` or
 * `./specs.js`, so browser bundles never pull in `node:fs`.
 *
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MatsenseError } from '../errors.js';
import { writeFileAtomic } from '../io/node.js';
import type { TopLevelSpec } from 'vega-lite';
import { toCsv } from './csv.js';
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
 * The plot renderer, loaded on first use: vega and vega-lite are optional peer dependencies (about 27 MB that only
 * drawing needs), so the library and `matsense solve` never load them. @throws MatsenseError saying how to install
 * them when they are missing.
 */
export async function loadRenderer(): Promise<typeof import('./render.js')> {
  try {
    return await import('./render.js');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err?.code === 'ERR_MODULE_NOT_FOUND' && /vega/.test(err.message)) {
      throw new MatsenseError('drawing plots needs the optional packages vega and vega-lite: `npm install vega vega-lite` (the library and `matsense solve` do not)');
    }
    throw e;
  }
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
  const { renderSvg } = await loadRenderer();
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
