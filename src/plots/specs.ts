/**
 * Pure builders of Vega-Lite specifications for matsense's diagnostic plots.
 *
 * Every function here returns a self-contained {@link TopLevelSpec} (data inlined as `values`), does
 * no I/O and imports nothing Node-specific, so the same object can be rendered to SVG in Node
 * (`renderSvg` in `./render.js`) or mounted live in a browser with Vega's `View`.
 *
 * Nothing is hidden silently: values a scale cannot show (non-finite numbers, non-positive numbers on
 * a log axis, empty heat-map cells) are dropped, counted, and the count is written in the chart's
 * subtitle.
 *
 * @module
 */
import type { TopLevelSpec } from 'vega-lite';

/** The `$schema` URL written into every spec (Vega-Lite 5). */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** Default plot area width in pixels. */
export const DEFAULT_WIDTH = 560;
/** Default plot area height in pixels. */
export const DEFAULT_HEIGHT = 320;

/** A vertical annotation at an x position (a phase boundary, "one-step modification fired", ...). */
export interface PlotMarker {
  /** Position in the units of the x axis. */
  x: number;
  /** Text drawn next to the rule. */
  label: string;
}

/** One named curve of a line chart (x and y must have equal length). */
export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/** Axis options of {@link lineChart}'s x axis. */
export interface XAxisOptions {
  /**
   * Name of the x column in the spec's long-format data (default `"x"`). Must be a plain identifier
   * (letters, digits, `_`) other than `y`, `series`, `label` and `labelY`.
   */
  field?: string;
  /** Axis title. */
  title: string;
  /** Logarithmic x scale (non-positive x values are then dropped and counted). */
  log?: boolean;
}

/** Axis options of {@link lineChart}'s y axis. */
export interface YAxisOptions {
  /** Axis title. */
  title: string;
  /** Logarithmic y scale (non-positive y values are then dropped and counted). */
  log?: boolean;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  title: string;
  x: XAxisOptions;
  y: YAxisOptions;
  series: LineSeries[];
  /** Plot-area width in pixels (default {@link DEFAULT_WIDTH}). */
  width?: number;
  /** Plot-area height in pixels (default {@link DEFAULT_HEIGHT}). */
  height?: number;
  /** Vertical rules with labels. */
  markers?: PlotMarker[];
  /** Horizontal reference lines with labels (e.g. the target's singular values), in the units of the y axis. */
  references?: { y: number; label: string }[];
  /** Extra subtitle lines (shown after the automatically generated "not shown" note, if any). */
  notes?: string[];
}

/** A long-format data row of a line / scatter chart. */
type Row = Record<string, number | string>;

type LayerTopLevel = Extract<TopLevelSpec, { layer: unknown }>;
type Layer = LayerTopLevel['layer'][number];

const RESERVED_FIELDS = new Set(['y', 'series', 'label', 'labelY']);

function checkField(field: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field) || RESERVED_FIELDS.has(field)) {
    throw new Error(
      `plot x field ${JSON.stringify(field)} must be a plain identifier other than y, series, label, labelY`,
    );
  }
  return field;
}

function checkSize(v: number | undefined, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`plot ${what} must be a positive number, got ${v}`);
  return v;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The subtitle sentence describing dropped points, or `undefined` when nothing was dropped.
 * Exported for callers that build their own specs and for tests.
 *
 * @example `dropNote({ nonFinite: 2, nonPositiveY: 10 })` →
 *   `"12 points not shown: 10 with y ≤ 0 on the log scale, 2 non-finite"`.
 */
export function dropNote(
  counts: { nonFinite: number; nonPositiveX?: number; nonPositiveY?: number },
  unit = 'point',
): string | undefined {
  const parts: string[] = [];
  const npx = counts.nonPositiveX ?? 0;
  const npy = counts.nonPositiveY ?? 0;
  if (npy > 0) parts.push(`${npy} with y ≤ 0 on the log scale`);
  if (npx > 0) parts.push(`${npx} with x ≤ 0 on the log scale`);
  if (counts.nonFinite > 0) parts.push(`${counts.nonFinite} non-finite`);
  const total = npx + npy + counts.nonFinite;
  if (total === 0) return undefined;
  return `${plural(total, unit)} not shown: ${parts.join(', ')}`;
}

function titleBlock(title: string, subtitle: string[]): { text: string; subtitle?: string[]; anchor: 'start' } {
  return subtitle.length > 0 ? { text: title, subtitle, anchor: 'start' } : { text: title, anchor: 'start' };
}

/** Axis settings for a quantitative axis; log axes get exponent labels (`1e-12`). */
function axisFor(title: string, log: boolean): Record<string, unknown> {
  return log ? { title, format: '.0e', grid: true } : { title, grid: true };
}

interface Collected {
  rows: Row[];
  nonFinite: number;
  nonPositiveX: number;
  nonPositiveY: number;
}

function collectSeries(series: LineSeries[], xField: string, xLog: boolean, yLog: boolean): Collected {
  const rows: Row[] = [];
  let nonFinite = 0;
  let nonPositiveX = 0;
  let nonPositiveY = 0;
  for (const s of series) {
    if (s.x.length !== s.y.length) {
      throw new RangeError(`plot series ${JSON.stringify(s.name)}: x has ${s.x.length} values, y has ${s.y.length}`);
    }
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i]!;
      const y = s.y[i]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        nonFinite++;
      } else if (yLog && y <= 0) {
        nonPositiveY++;
      } else if (xLog && x <= 0) {
        nonPositiveX++;
      } else {
        rows.push({ [xField]: x, y, series: s.name });
      }
    }
  }
  return { rows, nonFinite, nonPositiveX, nonPositiveY };
}

/** Horizontal dotted rules with right-aligned labels; references that a log y axis cannot show are dropped. */
function referenceLayers(refs: { y: number; label: string }[] | undefined, yField: string, yTitle: string, yLog: boolean): Layer[] {
  const values = (refs ?? []).filter((r) => Number.isFinite(r.y) && (!yLog || r.y > 0)).map((r) => ({ [yField]: r.y, label: r.label }));
  if (values.length === 0) return [];
  const y = { field: yField, type: 'quantitative' as const, title: yTitle };
  return [
    { data: { values }, mark: { type: 'rule', color: '#999', strokeDash: [1, 3], strokeWidth: 1 }, encoding: { y } },
    { data: { values }, mark: { type: 'text', align: 'right', baseline: 'bottom', x: 'width', dx: -2, dy: -1, fontSize: 9, color: '#666' }, encoding: { y, text: { field: 'label' } } },
  ] as Layer[];
}

/** Rule + text layers for markers; returns the layers and the number of markers dropped (log x, non-finite). */
function markerLayers(
  markers: PlotMarker[] | undefined,
  xField: string,
  xTitle: string,
  xLog: boolean,
): { layers: Layer[]; dropped: number } {
  if (!markers || markers.length === 0) return { layers: [], dropped: 0 };
  const values: Row[] = [];
  let dropped = 0;
  for (const m of markers) {
    if (!Number.isFinite(m.x) || (xLog && m.x <= 0)) {
      dropped++;
      continue;
    }
    // Stagger labels over three rows so that close markers do not print on top of each other.
    values.push({ [xField]: m.x, label: m.label, labelY: 4 + 13 * (values.length % 3) });
  }
  if (values.length === 0) return { layers: [], dropped };
  const x = { field: xField, type: 'quantitative' as const, title: xTitle };
  return {
    dropped,
    layers: [
      {
        data: { values },
        mark: { type: 'rule', color: '#555', strokeDash: [4, 3], strokeWidth: 1 },
        encoding: { x },
      },
      {
        data: { values },
        mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, fontSize: 10, color: '#333' },
        encoding: { x, y: { field: 'labelY', type: 'quantitative', scale: null }, text: { field: 'label' } },
      },
    ],
  };
}

/**
 * A multi-series line chart in long format (columns `x` (or `opts.x.field`), `y`, `series`), coloured
 * by series in the order given. Non-finite values, and non-positive values on log axes, are dropped and
 * counted in the subtitle. `markers` become dashed vertical rules with text labels.
 *
 * @throws RangeError if a series' x and y lengths differ or width/height is not positive.
 */
export function lineChart(opts: LineChartOptions): TopLevelSpec {
  return buildLineSpec(opts, { kind: 'nominal' }, 'line');
}

/** How a line/scatter chart colours its series. */
type ColorMode =
  | { kind: 'nominal' }
  /** Colour by a numeric index column (`seriesIndex`) on a sequential scale; for many series. */
  | { kind: 'index'; title: string; index: Map<string, number> };

function buildLineSpec(
  opts: LineChartOptions,
  color: ColorMode,
  markType: 'line' | 'point' | 'line+point',
): TopLevelSpec {
  const xField = checkField(opts.x.field ?? 'x');
  const xLog = opts.x.log === true;
  const yLog = opts.y.log === true;
  const width = checkSize(opts.width, DEFAULT_WIDTH, 'width');
  const height = checkSize(opts.height, DEFAULT_HEIGHT, 'height');
  const names = opts.series.map((s) => s.name);
  if (new Set(names).size !== names.length) {
    throw new Error(`plot series names must be unique, got ${JSON.stringify(names)}`);
  }

  const c = collectSeries(opts.series, xField, xLog, yLog);
  const mk = markerLayers(opts.markers, xField, opts.x.title, xLog);
  const subtitle: string[] = [];
  const note = dropNote(c);
  if (note) subtitle.push(note);
  if (mk.dropped > 0) subtitle.push(`${plural(mk.dropped, 'marker')} outside the x scale not shown`);
  const empty = opts.series.filter((s) => !c.rows.some((r) => r.series === s.name));
  if (empty.length > 0 && empty.length < opts.series.length) {
    subtitle.push(`no plottable values in: ${empty.map((s) => s.name).join(', ')}`);
  }
  if (c.rows.length === 0 && !note) subtitle.push('no data');
  if (opts.notes) subtitle.push(...opts.notes);

  // With no rows the scales would have infinite extents (Vega warns, axes vanish): pin fallback domains.
  const emptyDomain = (log: boolean): Record<string, unknown> => ({ domain: log ? [1, 10] : [0, 1] });
  const xScale = {
    ...(xLog ? { type: 'log' } : { zero: false }),
    ...(c.rows.length === 0 && mk.layers.length === 0 ? emptyDomain(xLog) : {}),
  };
  const yScale = {
    ...(yLog ? { type: 'log' } : { zero: false }),
    ...(c.rows.length === 0 ? emptyDomain(yLog) : {}),
  };

  let colorEnc: Record<string, unknown>;
  let detail: Record<string, unknown> | undefined;
  if (color.kind === 'index') {
    for (const r of c.rows) r.seriesIndex = color.index.get(r.series as string) ?? 0;
    colorEnc = {
      field: 'seriesIndex',
      type: 'quantitative',
      title: color.title,
      scale: { scheme: 'viridis' },
      legend: { format: 'd' },
    };
    detail = { field: 'series', type: 'nominal' };
  } else {
    colorEnc = { field: 'series', type: 'nominal', title: null, scale: { domain: names }, sort: null };
  }

  const encoding: Record<string, unknown> = {
    x: {
      field: xField,
      type: 'quantitative',
      title: opts.x.title,
      scale: xScale,
      axis: axisFor(opts.x.title, xLog),
    },
    y: {
      field: 'y',
      type: 'quantitative',
      title: opts.y.title,
      scale: yScale,
      axis: axisFor(opts.y.title, yLog),
    },
    color: colorEnc,
  };
  if (detail) encoding.detail = detail;

  const mark =
    markType === 'line'
      ? { type: 'line', strokeWidth: 1.5 }
      : markType === 'point'
        ? { type: 'point', filled: true, size: 40 }
        : { type: 'line', strokeWidth: 1.5, point: { filled: true, size: 40 } };

  const main = { data: { values: c.rows }, mark, encoding } as Layer;
  const layers: Layer[] = [main];
  if (markType === 'line') {
    // A line through a single point draws nothing: show series with one plottable point as a dot.
    const perSeries = new Map<string, number>();
    for (const r of c.rows) perSeries.set(r.series as string, (perSeries.get(r.series as string) ?? 0) + 1);
    const singles = c.rows.filter((r) => perSeries.get(r.series as string) === 1);
    if (singles.length > 0) {
      layers.push({ data: { values: singles }, mark: { type: 'point', filled: true, size: 30 }, encoding } as Layer);
    }
  }
  layers.push(...mk.layers);
  layers.push(...referenceLayers(opts.references, 'y', opts.y.title, yLog));
  const spec = {
    $schema: VEGA_LITE_SCHEMA,
    title: titleBlock(opts.title, subtitle),
    width,
    height,
    background: 'white',
    // no label limit: Vega-Lite cuts legend labels at 160 px by default, which made k = r and k > r indistinguishable
    config: { legend: { orient: 'right', labelLimit: 0, titleLimit: 0 }, axis: { labelFontSize: 11, titleFontSize: 12 } },
    layer: layers,
  };
  return spec as TopLevelSpec;
}

/** One solver run, as recorded (§7 of the maths spec): per-iteration arrays of equal length. */
export interface ErrorCurveRun {
  name: string;
  /** Iteration numbers of the recorded entries. */
  iter: ArrayLike<number>;
  /** ‖F Gᵀ − M*‖_F / ‖M*‖_F. */
  relError?: ArrayLike<number>;
  /** ‖A(F Gᵀ) − y‖ / ‖y‖. */
  relResidual?: ArrayLike<number>;
  /** Wall-clock milliseconds since the start of the run. */
  timeMs?: ArrayLike<number>;
}

/** Options of {@link errorCurves}. */
export interface ErrorCurvesOptions {
  /** x axis: iteration number (default) or wall time in ms. */
  against?: 'iter' | 'time';
  /** Which recorded metric to plot (default `relError`). */
  metric?: 'relError' | 'relResidual';
  title?: string;
  /** Vertical markers, in the units of the x axis. */
  markers?: PlotMarker[];
  width?: number;
  height?: number;
}

const METRIC_TITLE: Record<'relError' | 'relResidual', string> = {
  relError: 'relative error ‖M̂ − M*‖F / ‖M*‖F (M̂ = F Gᵀ or X Xᵀ)',
  relResidual: 'relative residual ‖A(M̂) − y‖ / ‖y‖',
};

/**
 * Log-y convergence plot of several runs: the chosen metric against iteration or wall time.
 * Runs lacking the metric (or `timeMs` when `against: 'time'`) are left out and named in the subtitle.
 *
 * @throws Error if no run has the requested data.
 */
export function errorCurves(runs: ErrorCurveRun[], opts: ErrorCurvesOptions = {}): TopLevelSpec {
  const against = opts.against ?? 'iter';
  const metric = opts.metric ?? 'relError';
  const series: LineSeries[] = [];
  const missing: string[] = [];
  for (const run of runs) {
    const y = run[metric];
    const x = against === 'time' ? run.timeMs : run.iter;
    if (!y || !x) {
      missing.push(run.name);
      continue;
    }
    series.push({ name: run.name, x, y });
  }
  if (series.length === 0) {
    throw new Error(`errorCurves: no run records ${metric}${against === 'time' ? ' and timeMs' : ''}`);
  }
  const notes =
    missing.length > 0
      ? [`not recorded (${against === 'time' ? `${metric} or timeMs` : metric}): ${missing.join(', ')}`]
      : undefined;
  const metricName = metric === 'relError' ? 'Relative error' : 'Relative residual';
  return lineChart({
    title: opts.title ?? `${metricName} vs ${against === 'time' ? 'wall time' : 'iteration'}`,
    x: against === 'time' ? { field: 'timeMs', title: 'wall time (ms)' } : { field: 'iter', title: 'iteration' },
    y: { title: METRIC_TITLE[metric], log: true },
    series,
    ...(opts.markers ? { markers: opts.markers } : {}),
    ...(opts.width !== undefined ? { width: opts.width } : {}),
    ...(opts.height !== undefined ? { height: opts.height } : {}),
    ...(notes ? { notes } : {}),
  });
}

/** Options of {@link singularValueTrajectories}. */
export interface SingularValueOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Symbol in the series names (`σ1`, `σ2`, ...; default `"σ"`). */
  symbol?: string;
  /** Plot only the largest `maxCurves` singular values (default: all). The subtitle says so. */
  maxCurves?: number;
  /**
   * Above this many curves the colour legend switches from one entry per σᵢ to a gradient over the
   * index i (default 10).
   */
  maxLegendEntries?: number;
  markers?: PlotMarker[];
  width?: number;
  height?: number;
  /** Horizontal reference lines (e.g. σᵢ(M*)). */
  references?: { y: number; label: string }[];
}

/**
 * One line per singular-value index over the recorded iterations, log y: σ1 (largest), σ2, ...
 * `sv[t]` holds the singular values recorded at iteration `iter[t]`, in descending order; the arrays
 * may have different lengths (index i is drawn where it exists). Zeros (exactly rank-deficient
 * products) cannot be drawn on a log scale and are counted in the subtitle.
 *
 * @throws RangeError if `iter.length !== sv.length`.
 */
export function singularValueTrajectories(
  iter: ArrayLike<number>,
  sv: ArrayLike<number>[],
  opts: SingularValueOptions = {},
): TopLevelSpec {
  if (iter.length !== sv.length) {
    throw new RangeError(`singularValueTrajectories: ${iter.length} iterations but ${sv.length} singular-value arrays`);
  }
  const symbol = opts.symbol ?? 'σ';
  let k = 0;
  for (const s of sv) k = Math.max(k, s.length);
  const shown = Math.min(k, opts.maxCurves ?? k);
  const series: LineSeries[] = [];
  const index = new Map<string, number>();
  for (let j = 0; j < shown; j++) {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let t = 0; t < sv.length; t++) {
      const s = sv[t]!;
      if (j < s.length) {
        xs.push(iter[t]!);
        ys.push(s[j]!);
      }
    }
    const name = `${symbol}${j + 1}`;
    index.set(name, j + 1);
    series.push({ name, x: xs, y: ys });
  }
  const notes = shown < k ? [`showing the ${shown} largest of ${k} singular values`] : [];
  const lineOpts: LineChartOptions = {
    title: opts.title ?? 'Singular values of F Gᵀ',
    x: { field: 'iter', title: opts.xTitle ?? 'iteration' },
    y: { title: opts.yTitle ?? 'singular value', log: true },
    series,
    notes,
    ...(opts.markers ? { markers: opts.markers } : {}),
    ...(opts.references ? { references: opts.references } : {}),
    ...(opts.width !== undefined ? { width: opts.width } : {}),
    ...(opts.height !== undefined ? { height: opts.height } : {}),
  };
  const maxLegend = opts.maxLegendEntries ?? 10;
  return buildLineSpec(
    lineOpts,
    shown > maxLegend ? { kind: 'index', title: `${symbol} index`, index } : { kind: 'nominal' },
    'line',
  );
}

/** Options of {@link heatmap}. */
export interface HeatmapOptions {
  /** Column coordinates (e.g. the numbers of measurements m), one per column of `values`. */
  x: number[];
  /** Row coordinates (e.g. the ranks r), one per row of `values`. */
  y: number[];
  /** `values[iy][ix]`; NaN (or any non-finite) marks a cell without data. */
  values: number[][];
  xTitle: string;
  yTitle: string;
  colorTitle: string;
  title: string;
  /** Fixed colour domain, e.g. `[0, 1]` for a probability (default: the data's extent). */
  colorDomain?: [number, number];
  /** Print each cell's value in it (default false). */
  showValues?: boolean;
  /** d3-format specifier of printed values and legend (default `.2~f`). */
  format?: string;
  width?: number;
  height?: number;
}

/**
 * A heat map over a grid, e.g. the recovery-probability phase transition over (m, r): one rect per cell
 * with a finite value (x, y treated as ordered categories so every cell has the same size; y increases
 * upwards). Cells with non-finite values are left empty and counted in the subtitle.
 *
 * @throws RangeError if `values` is not `y.length × x.length`.
 */
export function heatmap(opts: HeatmapOptions): TopLevelSpec {
  const { x, y, values } = opts;
  if (values.length !== y.length || values.some((row) => row.length !== x.length)) {
    throw new RangeError(`heatmap: values must be ${y.length} rows × ${x.length} columns (values[iy][ix])`);
  }
  const rows: Row[] = [];
  let nonFinite = 0;
  for (let iy = 0; iy < y.length; iy++) {
    for (let ix = 0; ix < x.length; ix++) {
      const v = values[iy]![ix]!;
      if (Number.isFinite(v)) rows.push({ x: x[ix]!, y: y[iy]!, value: v });
      else nonFinite++;
    }
  }
  const subtitle: string[] = [];
  if (nonFinite > 0) subtitle.push(`${plural(nonFinite, 'cell')} without a finite value left blank`);
  const format = opts.format ?? '.2~f';
  // Default cell size ~ 28 px, bounded to something sensible.
  const width = checkSize(opts.width, Math.min(720, Math.max(160, 28 * x.length)), 'width');
  const height = checkSize(opts.height, Math.min(480, Math.max(120, 24 * y.length)), 'height');
  const xDomain = [...x].sort((a, b) => a - b);
  const yDomain = [...y].sort((a, b) => b - a);
  const color: Record<string, unknown> = {
    field: 'value',
    type: 'quantitative',
    title: opts.colorTitle,
    scale: opts.colorDomain ? { scheme: 'viridis', domain: opts.colorDomain } : { scheme: 'viridis' },
    legend: { format },
  };
  const layers: Layer[] = [
    {
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'x', type: 'ordinal', title: opts.xTitle, scale: { domain: xDomain }, axis: { labelAngle: 0 } },
        y: { field: 'y', type: 'ordinal', title: opts.yTitle, scale: { domain: yDomain } },
        color,
      },
    } as Layer,
  ];
  if (opts.showValues && rows.length > 0) {
    let lo = opts.colorDomain?.[0] ?? Infinity;
    let hi = opts.colorDomain?.[1] ?? -Infinity;
    if (!opts.colorDomain) {
      for (const r of rows) {
        lo = Math.min(lo, r.value as number);
        hi = Math.max(hi, r.value as number);
      }
    }
    const mid = 0.5 * (lo + hi);
    layers.push({
      mark: { type: 'text', fontSize: 9 },
      encoding: {
        x: { field: 'x', type: 'ordinal', title: opts.xTitle },
        y: { field: 'y', type: 'ordinal', title: opts.yTitle },
        text: { field: 'value', type: 'quantitative', format },
        color: {
          condition: { test: `datum.value < ${mid}`, value: 'white' },
          value: 'black',
        },
      },
    } as Layer);
  }
  const spec = {
    $schema: VEGA_LITE_SCHEMA,
    title: titleBlock(opts.title, subtitle),
    width,
    height,
    background: 'white',
    data: { values: rows },
    layer: layers,
  };
  return spec as TopLevelSpec;
}

/** Options of {@link scatterLog}. */
export interface ScatterLogOptions {
  title: string;
  /** x axis (log by default). */
  x: { field?: string; title: string; log?: boolean };
  /** y axis (log by default). */
  y: { title: string; log?: boolean };
  series: LineSeries[];
  /** Join each series' points with a line in the given order (default false). */
  connect?: boolean;
  markers?: PlotMarker[];
  notes?: string[];
  width?: number;
  height?: number;
}

/**
 * Scatter plot with (by default) both axes logarithmic, e.g. test error vs initialisation scale α.
 * Points with a non-finite coordinate or a non-positive coordinate on a log axis are dropped and
 * counted in the subtitle.
 */
export function scatterLog(opts: ScatterLogOptions): TopLevelSpec {
  const lineOpts: LineChartOptions = {
    title: opts.title,
    x: { ...opts.x, log: opts.x.log ?? true },
    y: { ...opts.y, log: opts.y.log ?? true },
    series: opts.series,
    ...(opts.markers ? { markers: opts.markers } : {}),
    ...(opts.notes ? { notes: opts.notes } : {}),
    ...(opts.width !== undefined ? { width: opts.width } : {}),
    ...(opts.height !== undefined ? { height: opts.height } : {}),
  };
  return buildLineSpec(lineOpts, { kind: 'nominal' }, opts.connect ? 'line+point' : 'point');
}
