/**
 * The demo page: reads the form, runs the solve in a Web Worker, and plots live with the same Vega-Lite specs
 * the CLI renders to SVG. The page never runs the solver itself, so it stays responsive; Stop aborts the run
 * (and terminates the worker if it does not answer quickly), and bad inputs are reported, not run.
 */
import type { View } from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { lineChart, mountPlot, singularValueTrajectories, type PlotMarker } from '../../src/plots/index.js';
import type { FromWorker, LivePoints, PhaseMarker, RunParams, RunSummary, ToWorker, WorkerInfo } from './protocol.js';

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
const modeEl = $('#mode');
const resultEl = $('#result');
const methodSel = form.elements.namedItem('method') as HTMLSelectElement;

const PLOT_W = 440, PLOT_H = 240;

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
          spec = make();
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

/** Everything plotted for the current run. */
interface Series {
  iter: number[];
  loss: number[];
  relError: number[];
  imbalance: number[];
  svIter: number[];
  sv: number[][];
  markers: PhaseMarker[];
}
let data: Series = emptySeries();
function emptySeries(): Series {
  return { iter: [], loss: [], relError: [], imbalance: [], svIter: [], sv: [], markers: [] };
}

function append(p: LivePoints): void {
  data.iter.push(...p.iter); data.loss.push(...p.loss); data.relError.push(...p.relError);
  data.imbalance.push(...p.imbalance); data.svIter.push(...p.svIter); data.sv.push(...p.sv);
}

function markers(): PlotMarker[] {
  return data.markers.map((m) => ({ x: m.iter, label: m.label }));
}

function redraw(): void {
  const d = data;
  const mk = markers();
  plots.error.update(() => lineChart({
    title: 'Relative error and train loss',
    x: { field: 'iter', title: 'iteration' },
    y: { title: 'value (log scale)', log: true },
    series: [
      { name: 'relative error ‖FGᵀ − M*‖F/‖M*‖F', x: d.iter, y: d.relError },
      { name: 'train loss ½‖A(FGᵀ) − y‖²', x: d.iter, y: d.loss },
    ],
    markers: mk, width: PLOT_W, height: PLOT_H,
  }));
  plots.sv.update(() => singularValueTrajectories(d.svIter, d.sv, { title: 'Singular values of the estimate F Gᵀ', markers: mk, maxCurves: 12, width: PLOT_W, height: PLOT_H }));
  plots.imbalance.update(() => lineChart({
    title: 'Imbalance ‖FᵀF − GᵀG‖F',
    x: { field: 'iter', title: 'iteration' },
    y: { title: 'imbalance (log scale)', log: true },
    series: [{ name: 'imbalance', x: d.iter, y: d.imbalance }],
    markers: mk, width: PLOT_W, height: PLOT_H,
  }));
}

// ---------------------------------------------------------------- the worker

let worker: Worker | undefined;
let info: WorkerInfo | undefined;
let runId = 0;
let running = false;
let stopTimer: ReturnType<typeof setTimeout> | undefined;
let lastDraw = 0;

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
    case 'progress': {
      append(msg.points);
      setState('running', `running… iteration ${msg.iter} / ${msg.maxIter}`);
      const now = performance.now();
      if (now - lastDraw > 250) { lastDraw = now; redraw(); }
      break;
    }
    case 'done':
      finished(msg.summary);
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
        `threaded by messages — each of up to ${i.hardwareConcurrency} workers owns its rows of the operator and exchanges vectors by message (AGN needs 1 thread here).`
      : 'No Web Workers available to this worker: single-threaded.';
  const threadsIn = form.elements.namedItem('threads') as HTMLInputElement;
  threadsIn.disabled = !threaded;
  if (!threaded) threadsIn.value = '1';
  else if (!new URLSearchParams(location.search).has('threads')) threadsIn.value = String(Math.min(4, Math.max(1, i.hardwareConcurrency)));
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

function finished(s: RunSummary): void {
  endRun();
  // exact per-iteration record replaces the decimated live points
  data.iter = s.record.iter; data.loss = s.record.loss;
  data.relError = s.record.relError ?? s.record.iter.map(() => NaN);
  data.imbalance = s.record.imbalance ?? s.record.iter.map(() => NaN);
  // the library's spectral record when it is at least as dense as the live samples (short runs: keep the samples)
  if (s.sv && s.sv.iter.length >= data.svIter.length) { data.svIter = s.sv.iter; data.sv = s.sv.values; }
  data.markers = s.markers;
  redraw();
  const fe = $<HTMLOutputElement>('#final-error');
  fe.value = fmt(s.finalRelError);
  fe.dataset.value = String(s.finalRelError ?? NaN);
  $<HTMLOutputElement>('#final-loss').value = fmt(s.finalLoss);
  $<HTMLOutputElement>('#iterations').value = String(s.iterations);
  $<HTMLOutputElement>('#stop-reason').value = `${s.stopReason}: ${s.message}`;
  const how = s.threadMode === 'message' ? ', messages' : s.threadMode === 'shared' ? ', shared memory' : '';
  $<HTMLOutputElement>('#time').value = `${s.timeMs.toFixed(0)} ms (${s.msPerIter.toFixed(3)} ms/iteration, ${s.threads} thread${s.threads === 1 ? '' : 's'}${how}${s.eta !== null ? `, η = ${s.eta.toPrecision(3)}` : ''})`;
  resultEl.hidden = false;
  const notes = [...(s.stopReason === 'diverged' ? [`the run diverged: ${s.message}`] : []), ...s.warnings];
  showMessage(notes.length ? notes.join('\n') : undefined);
  void Promise.all([plots.error.idle(), plots.sv.idle(), plots.imbalance.idle()]).then(() => {
    // set last, once the final plots are drawn (the browser tests wait for this state)
    setState(s.stopReason === 'aborted' ? 'stopped' : 'done', `${s.stopReason === 'aborted' ? 'stopped' : 'finished'} after ${s.iterations} iterations (${s.stopReason})`);
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
  if (errors.length) return { errors };
  const P = p as { [K in keyof typeof p]-?: number };
  // shape rules (r ≤ min(n1, n2), k ≤ max(n1, n2), …) are checked by matsense itself, which reports them from the worker
  // what the operator holds in one wasm32 memory (≤ 4 GiB): the dense Gaussian m · n1 · n2 f32 entries, rank-one
  // m · (n1 + n2) f32 vector entries, completion m index pairs (and at most n1 · n2 entries exist)
  const operator = (form.elements.namedItem('operator') as HTMLSelectElement).value as RunParams['operator'];
  const opBytes = operator === 'gaussian' ? P.m * P.n1 * P.n2 * 4 : operator === 'rank-one' ? P.m * (P.n1 + P.n2) * 4 : P.m * 8;
  const what = operator === 'gaussian' ? 'm · n1 · n2 · 4 B' : operator === 'rank-one' ? 'm · (n1 + n2) · 4 B' : 'm · 8 B';
  if (opBytes > 2 ** 31) errors.push(`the operator would need ${(opBytes / 2 ** 30).toFixed(1)} GiB (${what}); this demo allows at most 2 GiB`);
  if (operator === 'completion' && P.m > P.n1 * P.n2) errors.push(`completion observes at most n1 · n2 = ${P.n1 * P.n2} entries, got m = ${P.m}`);
  const maxThreads = modeEl.dataset.threads !== 'none' ? Math.max(1, info?.hardwareConcurrency ?? 1) : 1;
  if (P.threads > maxThreads) errors.push(`threads = ${P.threads}, but at most ${maxThreads} ${maxThreads === 1 ? 'is' : 'are'} possible on this page`);
  if (P.maxIter > 1_000_000) errors.push(`maxIter = ${P.maxIter} is more than this demo records (1e6)`);
  if (errors.length) return { errors };
  return { params: { ...P, eta: p.eta, operator, method: methodSel.value }, errors };
}

function run(): void {
  const { params, errors } = readForm();
  if (!params) {
    showMessage(`Cannot run:\n• ${errors.join('\n• ')}`);
    setState(running ? 'running' : 'invalid', running ? statusEl.textContent ?? '' : 'fix the inputs and run again');
    return;
  }
  if (running) stop(); // restart: the worker serializes runs, the old one ends as 'aborted'
  showMessage(undefined);
  resultEl.hidden = true;
  data = emptySeries();
  Object.values(plots).forEach((p) => p.clear());
  lastDraw = 0;
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

form.addEventListener('submit', (ev) => { ev.preventDefault(); run(); });
stopBtn.addEventListener('click', () => stop());

// Defaults may be overridden from the query string (e.g. ?n1=30&m=800&run=1), which the browser tests use.
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
Object.assign(window, { matsenseDemo: { run, stop, get running() { return running; }, get info() { return info; } } });
