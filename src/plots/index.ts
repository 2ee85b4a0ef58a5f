/**
 * matsense plotting layer (browser-safe part): Vega-Lite spec builders, SVG rendering, CSV export.
 * The Node-only file writer lives in `./node.js` (`writePlot`) and is deliberately not re-exported
 * here, so that browser bundles of this barrel never reach `node:fs`.
 *
 * @module
 */
export {
  VEGA_LITE_SCHEMA,
  DEFAULT_WIDTH,
  DEFAULT_HEIGHT,
  dropNote,
  lineChart,
  errorCurves,
  singularValueTrajectories,
  heatmap,
  scatterLog,
} from './specs.js';
export type {
  PlotMarker,
  LineSeries,
  XAxisOptions,
  YAxisOptions,
  LineChartOptions,
  ErrorCurveRun,
  ErrorCurvesOptions,
  SingularValueOptions,
  HeatmapOptions,
  ScatterLogOptions,
} from './specs.js';
export { renderSvg, compileToVega, mountPlot, toCsv, collectingLogger } from './render.js';
export type { PlotMessage, RenderOptions, MountOptions } from './render.js';
