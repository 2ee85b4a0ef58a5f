/**
 * Rendering of the Vega-Lite specs from `./specs.js`, and CSV export of the numbers behind a plot.
 *
 * Browser-safe: imports only `vega` and `vega-lite` (no Node built-ins). In Node, {@link renderSvg}
 * renders headlessly (`renderer: 'none'` + `toSVG()`, no canvas or DOM needed); in a browser,
 * {@link mountPlot} attaches a live, interactive Vega view to an element.
 *
 * @module
 */
import { parse, View } from 'vega';
import type { LoggerInterface, Spec as VegaSpec } from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/** A message logged by the Vega-Lite compiler or the Vega runtime. */
export interface PlotMessage {
  level: 'error' | 'warn' | 'info' | 'debug';
  /** `compile` for Vega-Lite → Vega, `view` for the Vega runtime. */
  source: 'compile' | 'view';
  message: string;
}

/** Options of {@link compileToVega}, {@link renderSvg} and {@link mountPlot}. */
export interface RenderOptions {
  /**
   * Called for every warning (and error) logged while compiling and running. Default: collect them and
   * report through `console.warn` once per render.
   */
  onMessage?: (msg: PlotMessage) => void;
  /** Throw instead of rendering if anything logged a warning or error (default false). */
  strict?: boolean;
}

const LEVELS = { None: 0, Error: 1, Warn: 2, Info: 3, Debug: 4 } as const;

function formatArgs(args: readonly unknown[]): string {
  return args
    .map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a)))
    .join(' ');
}

/**
 * A Vega `LoggerInterface` that hands warnings and errors (not info/debug) to `sink`.
 * Useful to pass as `logger` to `vega-lite`'s `compile` or to `new View(...)`.
 */
export function collectingLogger(source: PlotMessage['source'], sink: (msg: PlotMessage) => void): LoggerInterface {
  let level: number = LEVELS.Warn;
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = +l;
      return logger;
    },
    error(...args: readonly unknown[]) {
      if (level >= LEVELS.Error) sink({ level: 'error', source, message: formatArgs(args) });
      return logger;
    },
    warn(...args: readonly unknown[]) {
      if (level >= LEVELS.Warn) sink({ level: 'warn', source, message: formatArgs(args) });
      return logger;
    },
    info(...args: readonly unknown[]) {
      if (level >= LEVELS.Info) sink({ level: 'info', source, message: formatArgs(args) });
      return logger;
    },
    debug(...args: readonly unknown[]) {
      if (level >= LEVELS.Debug) sink({ level: 'debug', source, message: formatArgs(args) });
      return logger;
    },
  };
  return logger as unknown as LoggerInterface;
}

interface Sink {
  push: (msg: PlotMessage) => void;
  finish: () => void;
}

function makeSink(opts: RenderOptions | undefined, what: string): Sink {
  const messages: PlotMessage[] = [];
  return {
    push(msg) {
      messages.push(msg);
      opts?.onMessage?.(msg);
    },
    finish() {
      if (messages.length === 0) return;
      if (opts?.strict) {
        throw new Error(`${what}: ${messages.map((m) => `[${m.source} ${m.level}] ${m.message}`).join('; ')}`);
      }
      if (!opts?.onMessage) {
        for (const m of messages) console.warn(`matsense plot (${m.source}): ${m.message}`);
      }
    },
  };
}

/**
 * Compile a Vega-Lite spec to a Vega spec, collecting the compiler's warnings.
 *
 * @returns the Vega spec and every warning/error the compiler logged.
 * @throws Error if `opts.strict` and the compiler logged anything, or if the spec is invalid.
 */
export function compileToVega(spec: TopLevelSpec, opts?: RenderOptions): { spec: VegaSpec; messages: PlotMessage[] } {
  const messages: PlotMessage[] = [];
  const sink = makeSink(opts, 'vega-lite compile');
  const logger = collectingLogger('compile', (m) => {
    messages.push(m);
    sink.push(m);
  });
  const out = compile(spec, { logger });
  sink.finish();
  return { spec: out.spec, messages };
}

/**
 * Render a Vega-Lite spec to an SVG document string (works in Node and in browsers; no DOM needed).
 * Pipeline: `vega-lite.compile` → `vega.parse` → `new vega.View(runtime, { renderer: 'none' })` →
 * `toSVG()`; the view is finalized afterwards.
 *
 * Text widths are estimated (no canvas in Node), so label layout can differ slightly from a browser.
 */
export async function renderSvg(spec: TopLevelSpec, opts?: RenderOptions): Promise<string> {
  const sink = makeSink(opts, 'plot render');
  const compileLogger = collectingLogger('compile', (m) => sink.push(m));
  const vg = compile(spec, { logger: compileLogger }).spec;
  const view = new View(parse(vg), {
    renderer: 'none',
    logger: collectingLogger('view', (m) => sink.push(m)),
    logLevel: LEVELS.Warn,
  });
  try {
    const svg = await view.toSVG();
    sink.finish();
    return svg;
  } finally {
    view.finalize();
  }
}

/** Options of {@link mountPlot}. */
export interface MountOptions extends RenderOptions {
  /** Vega renderer (default `'svg'`). */
  renderer?: 'svg' | 'canvas';
  /** Enable hover event processing (default true). */
  hover?: boolean;
}

/**
 * Browser: compile `spec` and mount a live Vega view into `container` (an element or a CSS selector).
 * Call `view.finalize()` when the element is removed.
 */
export async function mountPlot(
  spec: TopLevelSpec,
  container: Element | string,
  opts: MountOptions = {},
): Promise<View> {
  const sink = makeSink(opts, 'plot mount');
  const vg = compile(spec, { logger: collectingLogger('compile', (m) => sink.push(m)) }).spec;
  const view = new View(parse(vg), {
    renderer: opts.renderer ?? 'svg',
    container,
    hover: opts.hover ?? true,
    logger: collectingLogger('view', (m) => sink.push(m)),
    logLevel: LEVELS.Warn,
  });
  await view.runAsync();
  sink.finish();
  return view;
}

export { toCsv } from './csv.js';
