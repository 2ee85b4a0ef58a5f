/**
 * The demo page, a small lab for the papers: reads the form, runs the solve — or one of the papers' comparisons, runs
 * overlaid on the same axes — in a Web Worker, and plots live with the same Vega-Lite specs the CLI renders to SVG.
 * The page never runs the solver itself, and redraws at most once per animation frame (and every 250 ms), so drawing
 * never slows the solver; the solver's own time per iteration is reported apart from it. Stop aborts the run (and
 * terminates the worker if it does not answer quickly); bad inputs are reported, not run; the configuration lives in
 * the URL (shareable), and the records can be downloaded as JSON or CSV.
 */
import type { View } from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { lineChart, mountPlot, singularValueTrajectories, type LineSeries, type PlotMarker } from '../../src/plots/index.js';
import type { Compare, FromWorker, LivePoints, PhaseMarker, RunParams, RunSummary, ToWorker, WorkerInfo } from './protocol.js';

const $ = <T extends HTMLElement>(sel: string): T => {
  const el = document.querySelector<T>(sel);
  if (!el) throw new Error(`demo page is missing ${sel}`);
  return el;
};

const form = $<HTMLFormElement>('#params');
const runBtn = $<HTMLButtonElement>('#run');
const stopBtn = $<HTMLButtonElement>('#stop');
const statusEl = $('#status');
const messageEl = $('#message');
const warningsEl = $('#warnings');
const explainEl = $('#explain');
const modeEl = $('#mode');
const resultEl = $('#result');
const methodSel = form.elements.namedItem('method') as HTMLSelectElement;
const paramsBox = $('#method-params');

/** Below this page width the legends go under the plots: beside them they would be cut at a phone's edge. */
const NARROW = 640;
const narrow = (): boolean => document.documentElement.clientWidth < NARROW;
/** Plot width that fits the page (a 400 px phone included), leaving room for the axis and, when wide, the legend. */
const plotWidth = (): number => Math.max(220, Math.min(440, document.documentElement.clientWidth - (narrow() ? 90 : 110)));
/** The spec with its legend under the plot on a narrow page. */
function fitLegend(spec: TopLevelSpec): TopLevelSpec {
  if (!narrow()) return spec;
  const config = spec.config ?? {};
  return { ...spec, config: { ...config, legend: { ...config.legend, orient: 'bottom', direction: 'vertical' } } } as TopLevelSpec;
}
const PLOT_H = 220;

/** A plot container that re-renders to the latest spec, never more than one render at a time. */
class LivePlot {
  private view?: View;
  private latest?: () => TopLevelSpec;
  private busy = false;
  constructor(private readonly el: HTMLElement) {}

  update(make: () => TopLevelSpec): void {
    this.latest = make;
    if (!this.busy) void this.drain();
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.latest) {
        const make = this.latest;
        this.latest = undefined;
        let spec: TopLevelSpec;
        try {
          spec = fitLegend(make());
        } catch (e) {
          this.el.textContent = `plot: ${(e as Error).message}`;
          continue;
        }
        const box = document.createElement('div');
        const view = await mountPlot(spec, box, { renderer: 'svg', onMessage: () => {} });
        this.view?.finalize();
        this.el.replaceChildren(box);
        this.view = view;
      }
    } catch (e) {
      this.el.textContent = `plot: ${(e as Error).message}`;
    } finally {
      this.busy = false;
    }
  }

  /** Resolves once every requested render has been drawn. */
  async idle(): Promise<void> {
    while (this.busy || this.latest) await new Promise((r) => setTimeout(r, 20));
  }

  clear(): void {
    this.latest = undefined;
    this.view?.finalize();
    this.view = undefined;
    this.el.replaceChildren();
  }
}

const plots = {
  error: new LivePlot($('#plot-error')),
  sv: new LivePlot($('#plot-sv')),
  imbalance: new LivePlot($('#plot-imbalance')),
};

/** Everything plotted for one run of the current comparison. */
interface Series {
  label: string;
  iter: number[];
  loss: number[];
  relError: number[];
  testError: number[];
  imbalance: number[];
  svIter: number[];
  sv: number[][];
  markers: PhaseMarker[];
}
let runs: Series[] = [];
let sigmaStar: number[] = [];
let modelNow: RunParams['model'] = 'asymmetric';
let summaries: RunSummary[] = [];

function emptySeries(label: string): Series {
  return { label, iter: [], loss: [], relError: [], testError: [], imbalance: [], svIter: [], sv: [], markers: [] };
}

function append(run: number, p: LivePoints, mk: PhaseMarker[]): void {
  const d = runs[run];
  if (!d) return;
  d.iter.push(...p.iter); d.loss.push(...p.loss); d.relError.push(...p.relError); d.testError.push(...p.testError);
  d.imbalance.push(...p.imbalance); d.svIter.push(...p.svIter); d.sv.push(...p.sv); d.markers.push(...mk);
}

const estimate = (): string => (modelNow === 'symmetric' ? 'X Xᵀ' : 'F Gᵀ');

/** Rebuild the plots: while a run goes on only the error plot (`live`), all three at the end. */
function redrawNow(live = false): void {
  const many = runs.length > 1, w = plotWidth();
  const first = runs[0];
  if (!first) return;
  const mk = (d: Series): PlotMarker[] => d.markers.map((m) => ({ x: m.iter, label: m.label }));
  const errSeries: LineSeries[] = many
    ? runs.map((d) => ({ name: `${d.label}: relative error`, x: d.iter, y: d.relError }))
    : [
      { name: `relative error ‖${estimate()} − M*‖F/‖M*‖F`, x: first.iter, y: first.relError },
      { name: 'test error (held-out measurements)', x: first.iter, y: first.testError },
      { name: 'train loss', x: first.iter, y: first.loss },
    ];
  plots.error.update(() => lineChart({
    title: many ? 'Relative error, the runs overlaid' : 'Relative error, test error and train loss',
    x: { field: 'iter', title: 'iteration' }, y: { title: 'value (log scale)', log: true },
    series: errSeries, markers: many ? [] : mk(first), width: w, height: PLOT_H,
  }));
  if (live) return;
  const svRun = runs[runs.length - 1]!;
  plots.sv.update(() => singularValueTrajectories(svRun.svIter, svRun.sv, {
    title: `Singular values of ${estimate()}${many ? ` (${svRun.label})` : ''}; dotted: σ(M*)`,
    markers: mk(svRun), maxCurves: 12, width: w, height: PLOT_H,
    references: sigmaStar.map((s, i) => ({ y: s, label: `σ${i + 1}(M*)` })),
  }));
  const imb = runs.filter((d) => d.imbalance.some((v) => v > 0));
  plots.imbalance.update(() => lineChart({
    title: 'Imbalance ‖FᵀF − GᵀG‖F (F Gᵀ only)',
    x: { field: 'iter', title: 'iteration' }, y: { title: 'imbalance (log scale)', log: true },
    series: imb.length ? imb.map((d) => ({ name: many ? d.label : 'imbalance', x: d.iter, y: d.imbalance })) : [{ name: 'X Xᵀ has none', x: [], y: [] }],
    width: w, height: PLOT_H,
  }));
}

/**
 * Redraw once per animation frame at most, and while a run goes on at most every 1.5 s and only the error plot:
 * rebuilding a view costs the page's thread tens of milliseconds, and on a machine with few cores that time is taken
 * from the solver's worker (measured on 2 cores: three views every 250 ms doubled the solver's time per iteration;
 * one view every 1.5 s costs it under a tenth). The singular values and the imbalance are drawn when the run ends.
 */
let frame = 0, lastDraw = 0;
function redraw(force = false): void {
  if (force) { lastDraw = performance.now(); redrawNow(); return; }
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    const now = performance.now();
    if (now - lastDraw < (running ? 1500 : 250)) return;
    lastDraw = now;
    redrawNow(running);
  });
}

// ---------------------------------------------------------------- the worker

let worker: Worker | undefined;
let info: WorkerInfo | undefined;
let runId = 0;
let running = false;
let stopTimer: ReturnType<typeof setTimeout> | undefined;

function startWorker(): void {
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'matsense-solver' });
  worker.onmessage = (ev: MessageEvent<FromWorker>) => onWorkerMessage(ev.data);
  worker.onerror = (ev) => {
    ev.preventDefault();
    fail('WorkerError', ev.message || 'the solver worker failed to load');
  };
}

function onWorkerMessage(msg: FromWorker): void {
  if (msg.type === 'ready') {
    info = msg.info;
    fillMethods(msg.info);
    showMode(msg.info);
    if (!running) setState('idle', 'ready');
    runBtn.disabled = false;
    return;
  }
  if (msg.id !== runId) return; // a message of a run that was replaced
  switch (msg.type) {
    case 'status':
      setState('running', msg.text);
      break;
    case 'start':
      runs[msg.run.index] = emptySeries(msg.run.label);
      sigmaStar = msg.sigmaStar;
      break;
    case 'progress': {
      append(msg.run, msg.points, msg.markers);
      const label = runs.length > 1 ? ` (${runs[msg.run]?.label})` : '';
      setState('running', `running${label}… iteration ${msg.iter} / ${msg.maxIter}`);
      redraw();
      break;
    }
    case 'done':
      finished(msg.summaries);
      break;
    case 'error':
      if (msg.name === 'Stopped') { endRun(); setState('stopped', 'stopped before the run started'); break; }
      fail(msg.name, msg.message);
      break;
  }
}

function fillMethods(i: WorkerInfo): void {
  const prev = new URLSearchParams(location.search).get('method') ?? methodSel.value;
  methodSel.replaceChildren(...i.methods.map((m) => new Option(m.name, m.name, false, m.name === prev)));
  const show = () => {
    const m = i.methods.find((q) => q.name === methodSel.value);
    $('#method-summary').textContent = m ? `${m.name}: ${m.summary}` : '';
    // the method's own parameters (η has its field): empty = the method's default
    const query = new URLSearchParams(location.search);
    paramsBox.replaceChildren(...(m?.params ?? []).filter((q) => q.name !== 'eta').map((q) => {
      const label = document.createElement('label');
      label.title = q.doc;
      const input = document.createElement('input');
      input.name = `param-${q.name}`;
      input.type = 'text';
      input.inputMode = 'decimal';
      input.placeholder = 'default';
      input.value = query.get(`param-${q.name}`) ?? '';
      label.append(q.name, input);
      return label;
    }));
  };
  methodSel.onchange = show;
  show();
}

function showMode(i: WorkerInfo): void {
  const isolated = window.crossOriginIsolated === true;
  const threaded = i.threadMode !== 'none';
  modeEl.dataset.isolated = String(isolated);
  modeEl.dataset.threads = i.threadMode;
  modeEl.textContent = i.threadMode === 'shared'
    ? `Cross-origin isolated: threaded — the operator's rows are split over up to ${i.hardwareConcurrency} threads (shared WebAssembly memory).`
    : i.threadMode === 'message'
      ? `${isolated ? 'Cross-origin isolated, but this browser cannot share WebAssembly memory' : 'Not cross-origin isolated (no COOP/COEP headers, so no SharedArrayBuffer)'}: ` +
        `threads exchange vectors by message here, which is slower than one thread at these sizes, so 1 thread is the default (AGN needs 1 thread).`
      : 'No Web Workers available to this worker: single-threaded.';
  const threadsIn = form.elements.namedItem('threads') as HTMLInputElement;
  threadsIn.disabled = !threaded;
  // the default that is fastest where it runs: shared memory scales; messages cost more than they save at demo sizes
  if (!threaded) threadsIn.value = '1';
  else if (!new URLSearchParams(location.search).has('threads')) threadsIn.value = i.threadMode === 'shared' ? String(Math.min(4, Math.max(1, i.hardwareConcurrency))) : '1';
}

// ---------------------------------------------------------------- page state

function setState(state: string, text: string): void {
  statusEl.dataset.state = state;
  statusEl.textContent = text;
}

function showMessage(text: string | undefined): void {
  messageEl.hidden = !text;
  messageEl.textContent = text ?? '';
}

function showWarnings(lines: string[]): void {
  warningsEl.hidden = lines.length === 0;
  warningsEl.textContent = lines.join('\n');
}

function endRun(): void {
  running = false;
  if (stopTimer) clearTimeout(stopTimer);
  stopTimer = undefined;
  runBtn.disabled = false;
  stopBtn.disabled = true;
}

function fail(name: string, message: string): void {
  endRun();
  setState('error', 'the run failed');
  showMessage(`${name}: ${message}`);
}

const fmt = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toExponential(3));

/** What happened, in words, from the measured run (as `matsense demo` says it). */
function explain(all: RunSummary[]): string {
  const s = all[0]!;
  if (all.length > 1) {
    const parts = all.map((x) => `${x.label}: ${fmt(x.finalRelError)} after ${x.iterations} iterations (${x.stopReason})`);
    return `What happened: ${parts.join('; ')}.`;
  }
  const est = s.model === 'symmetric' ? 'X Xᵀ' : 'F Gᵀ';
  const lines: string[] = [];
  const recovered = s.finalRelError !== null && s.finalRelError < 1e-3;
  lines.push(recovered
    ? `What happened: ${s.method} recovered M* to relative error ${fmt(s.finalRelError)} in ${s.iterations} iterations` +
      (s.k > s.r ? `, although the model has ${s.k} columns for a rank-${s.r} target and no rank was imposed.` : '.')
    : `What happened: after ${s.iterations} iterations the relative error is ${fmt(s.finalRelError)} (${s.stopReason}: ${s.message}).`);
  const sv = runs[0]?.sv.at(-1);
  if (sv && s.k > s.r && sv.length > s.r) {
    lines.push(`The ${s.k - s.r} extra singular values of ${est} stayed near the init scale (σ${s.r + 1} = ${fmt(sv[s.r])} vs σ${s.r} = ${fmt(sv[s.r - 1])}): ` +
      'the implicit low-rank bias of a small initialization.');
  }
  const ev = s.events.find((e) => e.kind === 'rebalance');
  if (ev) lines.push(`At iteration ${ev.iter} the one-step modification rebalanced the factors, after which the rate no longer depends on α.`);
  const aligned = s.markers.find((m) => m.label === 'aligned'), escaped = s.markers.find((m) => m.label.startsWith('escaped'));
  if (aligned && escaped) lines.push(`Phases: the factors aligned with the data's top-${s.r} space by iteration ${aligned.iter}, escaped the saddle at 0 by ${escaped.iter}, then refined.`);
  if (!recovered && s.model === 'asymmetric' && s.k > s.r && s.method === 'gd') lines.push('Plain GD with k > r slows down at a plateau of order α: try gd-rebalance, or compare the two.');
  if (s.finalTestError !== null) lines.push(`Test error on held-out measurements: ${fmt(s.finalTestError)}.`);
  return lines.join(' ');
}

function finished(all: RunSummary[]): void {
  endRun();
  summaries = all;
  // exact per-iteration records replace the decimated live points
  all.forEach((s, i) => {
    const d = runs[i] ?? (runs[i] = emptySeries(s.label));
    d.iter = s.record.iter; d.loss = s.record.loss;
    d.relError = s.record.relError ?? s.record.iter.map(() => NaN);
    d.testError = s.record.testError ?? s.record.iter.map(() => NaN);
    d.imbalance = s.record.imbalance ?? s.record.iter.map(() => NaN);
    // the library's spectral record when it is at least as dense as the live samples (short runs: keep the samples)
    if (s.sv && s.sv.iter.length >= d.svIter.length) { d.svIter = s.sv.iter; d.sv = s.sv.values; }
    d.markers = s.markers;
  });
  redraw(true);
  const s = all[0]!;
  const fe = $<HTMLOutputElement>('#final-error');
  fe.value = all.map((x) => fmt(x.finalRelError)).join(' / ');
  fe.dataset.value = String(s.finalRelError ?? NaN);
  $<HTMLOutputElement>('#final-test').value = all.map((x) => fmt(x.finalTestError)).join(' / ');
  $<HTMLOutputElement>('#final-loss').value = all.map((x) => fmt(x.finalLoss)).join(' / ');
  $<HTMLOutputElement>('#iterations').value = all.map((x) => String(x.iterations)).join(' / ');
  $<HTMLOutputElement>('#stop-reason').value = all.map((x) => `${x.stopReason}: ${x.message}`).join(' / ');
  const how = s.threadMode === 'message' ? ', messages' : s.threadMode === 'shared' ? ', shared memory' : '';
  const solverMs = $<HTMLOutputElement>('#solver-ms');
  solverMs.value = `${s.msPerIter.toFixed(3)} ms/iteration (${s.threads} thread${s.threads === 1 ? '' : 's'}${how}${s.eta !== null ? `, η = ${s.eta.toPrecision(3)}` : ''})`;
  solverMs.dataset.value = String(s.msPerIter);
  $<HTMLOutputElement>('#time').value = `${s.timeMs.toFixed(0)} ms in all, with the sampling for the live plots`;
  resultEl.hidden = false;
  explainEl.textContent = explain(all);
  explainEl.hidden = false;
  for (const b of ['#export-json', '#export-csv']) $<HTMLButtonElement>(b).disabled = false;
  showMessage(all.some((x) => x.stopReason === 'diverged') ? all.filter((x) => x.stopReason === 'diverged').map((x) => `${x.label}: the run diverged: ${x.message}`).join('\n') : undefined);
  showWarnings([...new Set(all.flatMap((x) => x.warnings))]);
  void Promise.all([plots.error.idle(), plots.sv.idle(), plots.imbalance.idle()]).then(() => {
    // set last, once the final plots are drawn (the browser tests wait for this state)
    const aborted = all.some((x) => x.stopReason === 'aborted');
    setState(aborted ? 'stopped' : 'done', `${aborted ? 'stopped' : 'finished'} after ${all.map((x) => x.iterations).join(' / ')} iterations (${all.map((x) => x.stopReason).join(' / ')})`);
  });
}

// ---------------------------------------------------------------- inputs

/** Parse and check the form; returns the parameters or a list of problems. */
function readForm(): { params?: RunParams; errors: string[] } {
  const errors: string[] = [];
  const field = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
  const num = (name: string, o: { int?: boolean; min?: number; gt?: number; optional?: boolean } = {}): number | undefined => {
    const raw = field(name);
    if (raw === '' && o.optional) return undefined;
    const v = Number(raw);
    if (raw === '' || !Number.isFinite(v)) { errors.push(`${name}: "${raw}" is not a number`); return undefined; }
    if (o.int && !Number.isInteger(v)) { errors.push(`${name} must be an integer, got ${v}`); return undefined; }
    if (o.min !== undefined && v < o.min) { errors.push(`${name} must be ≥ ${o.min}, got ${v}`); return undefined; }
    if (o.gt !== undefined && v <= o.gt) { errors.push(`${name} must be > ${o.gt}, got ${v}`); return undefined; }
    return v;
  };
  const p = {
    n1: num('n1', { int: true, min: 1 }), n2: num('n2', { int: true, min: 1 }), r: num('r', { int: true, min: 1 }),
    k: num('k', { int: true, min: 1 }), m: num('m', { int: true, min: 1 }), kappa: num('kappa', { min: 1 }),
    alpha: num('alpha', { min: 0 }), eta: num('eta', { gt: 0, optional: true }), threads: num('threads', { int: true, min: 1 }),
    maxIter: num('maxIter', { int: true, min: 0 }), tol: num('tol', { min: 0 }), seed: num('seed', { int: true, min: 0 }),
  };
  const params: Record<string, number> = {};
  for (const input of paramsBox.querySelectorAll('input')) {
    const name = input.name.replace(/^param-/, '');
    if (input.value.trim() === '') continue;
    const v = Number(input.value.trim());
    if (!Number.isFinite(v)) errors.push(`${name}: "${input.value.trim()}" is not a number`);
    else params[name] = v;
  }
  if (errors.length) return { errors };
  const P = p as { [K in keyof typeof p]-?: number };
  // shape rules (r ≤ min(n1, n2), k ≤ max(n1, n2), …) are checked by matsense itself, which reports them from the worker
  // what the operator holds in one wasm32 memory (≤ 4 GiB): the dense Gaussian m · n1 · n2 f32 entries, rank-one
  // m · (n1 + n2) f32 vector entries, completion m index pairs (and at most n1 · n2 entries exist)
  const operator = (form.elements.namedItem('operator') as HTMLSelectElement).value as RunParams['operator'];
  const model = (form.elements.namedItem('model') as HTMLSelectElement).value as RunParams['model'];
  const compare = (form.elements.namedItem('compare') as HTMLSelectElement).value as Compare;
  const opBytes = operator === 'gaussian' ? P.m * P.n1 * P.n2 * 4 : operator === 'rank-one' ? P.m * (P.n1 + P.n2) * 4 : P.m * 8;
  const what = operator === 'gaussian' ? 'm · n1 · n2 · 4 B' : operator === 'rank-one' ? 'm · (n1 + n2) · 4 B' : 'm · 8 B';
  if (opBytes > 2 ** 31) errors.push(`the operator would need ${(opBytes / 2 ** 30).toFixed(1)} GiB (${what}); this demo allows at most 2 GiB`);
  if (operator === 'completion' && P.m > P.n1 * P.n2) errors.push(`completion observes at most n1 · n2 = ${P.n1 * P.n2} entries, got m = ${P.m}`);
  if ((model === 'symmetric' || compare === 'model') && P.n1 !== P.n2) errors.push(`X Xᵀ needs a square target: n1 = ${P.n1} but n2 = ${P.n2}`);
  const models = info?.methods.find((q) => q.name === methodSel.value)?.models ?? [];
  if (model === 'symmetric' && compare !== 'model' && !models.includes('symmetric')) errors.push(`${methodSel.value} fits F Gᵀ only: choose F Gᵀ, or a method for X Xᵀ (gd, scaledgd, scaledgd-lambda, precgd)`);
  if (compare === 'model' && operator !== 'gaussian') errors.push('the X Xᵀ vs F Gᵀ comparison measures one target with one general Gaussian operator: choose the Gaussian operator');
  const maxThreads = modeEl.dataset.threads !== 'none' ? Math.max(1, info?.hardwareConcurrency ?? 1) : 1;
  if (P.threads > maxThreads) errors.push(`threads = ${P.threads}, but at most ${maxThreads} ${maxThreads === 1 ? 'is' : 'are'} possible on this page`);
  if (P.maxIter > 1_000_000) errors.push(`maxIter = ${P.maxIter} is more than this demo records (1e6)`);
  if (errors.length) return { errors };
  return { params: { ...P, eta: p.eta, operator, model, compare, params, method: methodSel.value }, errors };
}

/** The form in the URL (without run=1): a link restores the configuration. */
function saveToUrl(): void {
  const q = new URLSearchParams();
  for (const el of Array.from(form.elements)) {
    if ((el instanceof HTMLInputElement || el instanceof HTMLSelectElement) && el.name && el.value !== '') q.set(el.name, el.value);
  }
  const keep = new URLSearchParams(location.search).get('isolated');
  if (keep !== null) q.set('isolated', keep);
  history.replaceState(null, '', `${location.pathname}?${q}`);
}

function run(): void {
  const { params, errors } = readForm();
  if (!params) {
    showMessage(`Cannot run:\n• ${errors.join('\n• ')}`);
    setState(running ? 'running' : 'invalid', running ? statusEl.textContent ?? '' : 'fix the inputs and run again');
    return;
  }
  if (running) stop(); // restart: the worker serializes runs, the old one ends as 'aborted'
  saveToUrl();
  showMessage(undefined);
  showWarnings([]);
  resultEl.hidden = true;
  explainEl.hidden = true;
  for (const b of ['#export-json', '#export-csv']) $<HTMLButtonElement>(b).disabled = true;
  runs = [];
  summaries = [];
  modelNow = params.compare === 'model' ? 'asymmetric' : params.model;
  sigmaStar = [];
  Object.values(plots).forEach((p) => p.clear());
  runId++;
  running = true;
  runBtn.disabled = false; // pressing Run again restarts
  stopBtn.disabled = false;
  setState('running', 'starting…');
  post({ type: 'run', id: runId, params });
}

function stop(): void {
  if (!running || !worker) return;
  const id = runId;
  post({ type: 'stop', id });
  setState('stopping', 'stopping…');
  // a stop that is not honoured quickly (e.g. a large problem still being generated): kill the worker
  if (stopTimer) clearTimeout(stopTimer);
  stopTimer = setTimeout(() => {
    if (!running || id !== runId) return;
    worker?.terminate();
    runId++;
    endRun();
    setState('stopped', 'stopped (the worker was terminated and restarted)');
    runBtn.disabled = true;
    startWorker();
  }, 1500);
}

function post(msg: ToWorker): void {
  worker!.postMessage(msg);
}

/** Download the finished runs' records. */
function download(kind: 'json' | 'csv'): void {
  let text: string, type: string;
  if (kind === 'json') {
    text = JSON.stringify(summaries.map(({ sv, ...s }) => ({ ...s, singularValues: sv })), null, 1);
    type = 'application/json';
  } else {
    const rows = ['run,iter,loss,relError,testError,imbalance'];
    for (const s of summaries) {
      const r = s.record;
      r.iter.forEach((it, i) => rows.push([JSON.stringify(s.label), it, r.loss[i], r.relError?.[i] ?? '', r.testError?.[i] ?? '', r.imbalance?.[i] ?? ''].join(',')));
    }
    text = rows.join('\n') + '\n';
    type = 'text/csv';
  }
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = `matsense-run.${kind}`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

form.addEventListener('submit', (ev) => { ev.preventDefault(); run(); });
stopBtn.addEventListener('click', () => stop());
$('#export-json').addEventListener('click', () => download('json'));
$('#export-csv').addEventListener('click', () => download('csv'));
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(() => { if (runs.length) redraw(true); }, 200); });

// Defaults may be overridden from the query string (e.g. ?n1=30&m=800&run=1): shared links and the browser tests.
const query = new URLSearchParams(location.search);
for (const [k, v] of query) {
  const el = form.elements.namedItem(k);
  if (el instanceof HTMLInputElement || el instanceof HTMLSelectElement) el.value = v;
}
startWorker();
if (query.get('run') === '1') {
  const go = () => (info ? run() : setTimeout(go, 20));
  go();
}
// expose the state for scripted use (tests, console)
Object.assign(window, {
  matsenseDemo: {
    run, stop, get running() { return running; }, get info() { return info; }, get summaries() { return summaries; }, get runs() { return runs; },
    /** The library itself, loaded on demand (e.g. to time solve() on this page against the reported solver time). */
    library: () => import('../../src/index.js'),
  },
});
