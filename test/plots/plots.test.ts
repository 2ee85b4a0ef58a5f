import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TopLevelSpec } from 'vega-lite';
import {
  compileToVega,
  errorCurves,
  heatmap,
  lineChart,
  renderSvg,
  scatterLog,
  singularValueTrajectories,
  toCsv,
} from '../../src/plots/index.js';
import type { PlotMessage } from '../../src/plots/index.js';
import { writePlot } from '../../src/plots/node.js';

function decode(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Text lines of every <text> element of an SVG (multi-line texts are <tspan>s), entities decoded. */
function svgTexts(svg: string): string[] {
  const out: string[] = [];
  for (const m of svg.matchAll(/<text\b[^>]*>(.*?)<\/text>/g)) {
    const inner = m[1]!;
    const spans = [...inner.matchAll(/<tspan\b[^>]*>([^<]*)<\/tspan>/g)].map((t) => t[1]!);
    if (spans.length > 0) out.push(...spans.map(decode));
    else out.push(decode(inner));
  }
  return out;
}

/** Number of scene items of one mark kind (Vega writes an aria role description per item). */
function countItems(svg: string, role: string): number {
  return svg.split(`aria-roledescription="${role}"`).length - 1;
}

/** Texts inside the legend-label groups. */
function legendLabels(svg: string): string[] {
  const out: string[] = [];
  for (const m of svg.matchAll(/<g class="mark-text role-legend-label"[^>]*>(.*?)<\/g>/g)) out.push(...svgTexts(m[1]!));
  return out;
}

/** Compile strictly (any Vega-Lite warning fails), render strictly, time it. */
const timings: Record<string, number> = {};
async function render(name: string, spec: TopLevelSpec): Promise<string> {
  const warnings: PlotMessage[] = [];
  compileToVega(spec, { onMessage: (m) => warnings.push(m) });
  expect(warnings).toEqual([]);
  // JSON round trip: the spec must be plain data (it is written as .vl.json and embedded in pages).
  const plain = JSON.parse(JSON.stringify(spec)) as TopLevelSpec;
  const t0 = performance.now();
  const svg = await renderSvg(plain, { strict: true });
  timings[name] = performance.now() - t0;
  expect(svg.startsWith('<svg')).toBe(true);
  return svg;
}

/** All `values` rows of a spec (top level and layers). */
function dataRows(spec: TopLevelSpec): Array<Record<string, unknown>> {
  const s = spec as { data?: { values?: unknown[] }; layer?: Array<{ data?: { values?: unknown[] } }> };
  const rows: unknown[] = [...(s.data?.values ?? [])];
  for (const l of s.layer ?? []) rows.push(...(l.data?.values ?? []));
  return rows as Array<Record<string, unknown>>;
}

const iters = Float64Array.from({ length: 300 }, (_, i) => i);

describe('lineChart', () => {
  it('renders one line per series, a legend entry per series, and marker labels', async () => {
    const spec = lineChart({
      title: 'Loss curves',
      x: { title: 'iteration', field: 'iter' },
      y: { title: 'loss' },
      series: [
        { name: 'GD', x: iters, y: iters.map((i) => 1 / (1 + i)) },
        { name: 'AGN', x: iters, y: iters.map((i) => 2 / (1 + i)) },
        { name: 'ScaledGD', x: iters.subarray(0, 50), y: iters.subarray(0, 50).map((i) => 3 / (1 + i)) },
        { name: 'single', x: [10], y: [0.5] },
      ],
      markers: [
        { x: 40, label: 'alignment ends' },
        { x: 120, label: 'one-step modification fired' },
      ],
    });
    const svg = await render('lineChart', spec);
    const texts = svgTexts(svg);
    expect(texts).toContain('Loss curves');
    expect(texts).toContain('alignment ends');
    expect(texts).toContain('one-step modification fired');
    expect(countItems(svg, 'line mark')).toBe(4);
    // the one-point series is also drawn as a dot (a line through one point is invisible)
    expect(countItems(svg, 'point')).toBe(1);
    expect(countItems(svg, 'rule mark')).toBe(2);
    expect(legendLabels(svg)).toEqual(['GD', 'AGN', 'ScaledGD', 'single']);
    // Nothing dropped: no subtitle.
    expect(texts.some((t) => t.includes('not shown'))).toBe(false);
  });

  it('drops non-finite values and non-positive values on log axes, and says how many', async () => {
    const y1 = iters.map((i) => Math.exp(-i / 30));
    y1[200] = 0; // exact convergence
    y1[201] = -1e-300;
    const y2 = iters.map((i) => Math.exp(-i / 10));
    y2[5] = Number.NaN;
    y2[6] = Number.POSITIVE_INFINITY;
    const spec = lineChart({
      title: 'Log chart',
      x: { title: 'iteration' },
      y: { title: 'error', log: true },
      series: [
        { name: 'a', x: iters, y: y1 },
        { name: 'b', x: iters, y: y2 },
      ],
    });
    const rows = dataRows(spec);
    expect(rows).toHaveLength(2 * 300 - 4);
    expect(rows.every((r) => typeof r.y === 'number' && Number.isFinite(r.y) && r.y > 0)).toBe(true);
    const svg = await render('lineChart-log', spec);
    expect(svgTexts(svg)).toContain('4 points not shown: 2 with y ≤ 0 on the log scale, 2 non-finite');
    expect(countItems(svg, 'line mark')).toBe(2);
  });

  it('drops x ≤ 0 and markers outside a log x scale, and names series left empty', async () => {
    const spec = lineChart({
      title: 'Log x',
      x: { title: 'alpha', log: true },
      y: { title: 'err', log: true },
      series: [
        { name: 'ok', x: [0, 1e-3, 1e-2], y: [1, 2, 3] },
        { name: 'gone', x: [1, 2], y: [0, 0] },
      ],
      markers: [
        { x: 0, label: 'never' },
        { x: 1e-2, label: 'shown' },
      ],
    });
    const texts = svgTexts(await render('lineChart-logx', spec));
    expect(texts).toContain('3 points not shown: 2 with y ≤ 0 on the log scale, 1 with x ≤ 0 on the log scale');
    expect(texts).toContain('1 marker outside the x scale not shown');
    expect(texts).toContain('no plottable values in: gone');
    expect(texts).toContain('shown');
    expect(texts).not.toContain('never');
  });

  it('renders (with a note) when nothing at all is plottable', async () => {
    const spec = lineChart({
      title: 'Empty',
      x: { title: 'iteration' },
      y: { title: 'error', log: true },
      series: [{ name: 'zero', x: [0, 1], y: [0, 0] }],
    });
    const svg = await render('lineChart-empty', spec);
    expect(svgTexts(svg)).toContain('2 points not shown: 2 with y ≤ 0 on the log scale');
    expect(countItems(svg, 'axis')).toBe(2);
    const noData = lineChart({ title: 'None', x: { title: 'i' }, y: { title: 'e' }, series: [] });
    const none = await render('lineChart-nodata', noData);
    expect(svgTexts(none)).toContain('no data');
  });

  it('rejects inconsistent input', () => {
    const base = { title: 't', x: { title: 'x' }, y: { title: 'y' } };
    expect(() => lineChart({ ...base, series: [{ name: 'a', x: [1, 2], y: [1] }] })).toThrow(RangeError);
    expect(() =>
      lineChart({
        ...base,
        series: [
          { name: 'a', x: [1], y: [1] },
          { name: 'a', x: [1], y: [1] },
        ],
      }),
    ).toThrow(/unique/);
    expect(() => lineChart({ ...base, x: { title: 'x', field: 'a.b' }, series: [] })).toThrow(/identifier/);
    expect(() => lineChart({ ...base, width: 0, series: [] })).toThrow(RangeError);
  });
});

describe('errorCurves', () => {
  const runs = [
    {
      name: 'GD α=1e-3',
      iter: iters,
      relError: iters.map((i) => Math.exp(-i / 40)),
      relResidual: iters.map((i) => Math.exp(-i / 45)),
      timeMs: iters.map((i) => 0.5 * i),
    },
    { name: 'GD + one-step', iter: iters, relError: iters.map((i) => Math.exp(-i / 8)) },
    { name: 'ScaledGD', iter: iters, relResidual: iters.map((i) => Math.exp(-i / 5)) },
  ];

  it('plots relError against iteration on a log scale, noting runs without the metric', async () => {
    const spec = errorCurves(runs, { markers: [{ x: 100, label: 'modification fired' }] });
    const svg = await render('errorCurves', spec);
    const texts = svgTexts(svg);
    expect(texts).toContain('Relative error vs iteration');
    expect(texts).toContain('not recorded (relError): ScaledGD');
    expect(texts).toContain('modification fired');
    expect(texts).toContain('iteration');
    expect(countItems(svg, 'line mark')).toBe(2);
    expect(legendLabels(svg)).toEqual(['GD α=1e-3', 'GD + one-step']);
    // log y: exponent tick labels
    expect(texts.some((t) => /^1e-\d+$/.test(t))).toBe(true);
  });

  it('plots against wall time', async () => {
    const spec = errorCurves(runs, { against: 'time', metric: 'relResidual', title: 'Residual vs time' });
    const svg = await render('errorCurves-time', spec);
    const texts = svgTexts(svg);
    expect(texts).toContain('Residual vs time');
    expect(texts).toContain('wall time (ms)');
    expect(texts).toContain('not recorded (relResidual or timeMs): GD + one-step, ScaledGD');
    expect(countItems(svg, 'line mark')).toBe(1);
  });

  it('throws when no run has the data', () => {
    expect(() => errorCurves([{ name: 'x', iter: [1] }], {})).toThrow(/no run records relError/);
  });
});

describe('singularValueTrajectories', () => {
  const recorded = Float64Array.from({ length: 31 }, (_, t) => 10 * t);
  const svs = (k: number) =>
    Array.from(recorded, (it) =>
      Float64Array.from({ length: k }, (_, j) =>
        j < 2 ? (1 / (j + 1)) * (1 - Math.exp(-it / 50)) + 1e-3 : 1e-3 / (j + 1),
      ),
    );

  it('draws one line per singular value index with a σᵢ legend', async () => {
    const sv = svs(4);
    sv[0]![3] = 0; // exact zero at the first record: dropped on the log scale
    const svg = await render('singularValues', singularValueTrajectories(recorded, sv, { title: 'SV of FGᵀ' }));
    const texts = svgTexts(svg);
    expect(texts).toContain('SV of FGᵀ');
    expect(countItems(svg, 'line mark')).toBe(4);
    expect(legendLabels(svg)).toEqual(['σ1', 'σ2', 'σ3', 'σ4']);
    expect(texts).toContain('1 point not shown: 1 with y ≤ 0 on the log scale');
  });

  it('switches to an index gradient for many curves and honours maxCurves', async () => {
    const spec = singularValueTrajectories(recorded, svs(30), { maxCurves: 20 });
    const svg = await render('singularValues-20', spec);
    expect(countItems(svg, 'line mark')).toBe(20);
    expect(svg).toContain('role-legend-gradient');
    expect(svgTexts(svg)).toContain('showing the 20 largest of 30 singular values');
  });

  it('handles ragged records and rejects length mismatch', async () => {
    const sv = [Float64Array.of(3, 2, 1), Float64Array.of(3, 2), Float64Array.of(3, 2, 1)];
    const svg = await render('singularValues-ragged', singularValueTrajectories([0, 1, 2], sv));
    expect(countItems(svg, 'line mark')).toBe(3);
    expect(() => singularValueTrajectories([0, 1], sv)).toThrow(RangeError);
  });
});

describe('heatmap', () => {
  it('renders one rect per finite cell and notes blank cells', async () => {
    const ms = [100, 200, 300, 400, 500];
    const rs = [1, 2, 3];
    const values: number[][] = rs.map((r) => ms.map((m) => (m >= 150 * r ? 1 : m >= 100 * r ? 0.5 : 0)));
    const svg = await render(
      'heatmap',
      heatmap({ x: ms, y: rs, values, xTitle: 'm', yTitle: 'r', colorTitle: 'P(recovery)', title: 'Phase transition' }),
    );
    const texts = svgTexts(svg);
    expect(texts).toContain('Phase transition');
    expect(texts).toContain('P(recovery)');
    expect(countItems(svg, 'rect mark')).toBe(15);

    values[2]![4] = Number.NaN;
    const svg2 = await render(
      'heatmap-values',
      heatmap({
        x: ms,
        y: rs,
        values,
        xTitle: 'm',
        yTitle: 'r',
        colorTitle: 'P(recovery)',
        title: 'Phase transition',
        colorDomain: [0, 1],
        showValues: true,
      }),
    );
    expect(countItems(svg2, 'rect mark')).toBe(14);
    expect(countItems(svg2, 'text mark')).toBe(14);
    expect(svgTexts(svg2)).toContain('1 cell without a finite value left blank');
  });

  it('rejects a values array of the wrong shape', () => {
    expect(() =>
      heatmap({ x: [1, 2], y: [1], values: [[1, 2, 3]], xTitle: 'x', yTitle: 'y', colorTitle: 'c', title: 't' }),
    ).toThrow(RangeError);
  });
});

describe('scatterLog', () => {
  it('plots points on log-log axes and drops non-positive coordinates', async () => {
    const alphas = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0];
    const spec = scatterLog({
      title: 'Test error vs α',
      x: { field: 'alpha', title: 'α' },
      y: { title: 'test error' },
      series: [
        { name: 'k = n', x: alphas, y: alphas.map((a) => 10 * a) },
        { name: 'k = r', x: alphas, y: alphas.map((a) => (a === 1e-4 ? Number.NaN : 1e-3)) },
      ],
    });
    const svg = await render('scatterLog', spec);
    const texts = svgTexts(svg);
    expect(texts).toContain('Test error vs α');
    // (0, 0) counts once, as y ≤ 0.
    expect(texts).toContain(
      '3 points not shown: 1 with y ≤ 0 on the log scale, 1 with x ≤ 0 on the log scale, 1 non-finite',
    );
    expect(countItems(svg, 'point')).toBe(9);
    expect(legendLabels(svg)).toEqual(['k = n', 'k = r']);

    const joined = await render('scatterLog-connected', scatterLog({ ...specOpts(), connect: true }));
    expect(countItems(joined, 'line mark')).toBe(1);
    expect(countItems(joined, 'point')).toBe(3);
  });
  function specOpts() {
    const series = [{ name: 's', x: [1e-3, 1e-2, 1e-1], y: [1, 2, 3] }];
    return { title: 't', x: { title: 'α' }, y: { title: 'e' }, series };
  }
});

describe('toCsv', () => {
  it('round-trips numbers and pads ragged columns', () => {
    const a = Float64Array.of(0.1 + 0.2, -0, 1e-300, Number.NaN, Number.POSITIVE_INFINITY, 123456789.123456789);
    const b = [1, 2];
    const csv = toCsv({ iter: a, 'rel, "err"': b });
    const lines = csv.split('\n');
    expect(lines[0]).toBe('iter,"rel, ""err"""');
    expect(lines).toHaveLength(a.length + 2); // header + rows + trailing ''
    expect(lines.at(-1)).toBe('');
    const back = lines.slice(1, -1).map((l) => l.split(','));
    for (let i = 0; i < a.length; i++) {
      expect(Object.is(Number(back[i]![0]), a[i])).toBe(true);
      if (i < b.length) expect(Number(back[i]![1])).toBe(b[i]);
      else expect(back[i]![1]).toBe('');
    }
  });
});

describe('writePlot', () => {
  it('writes the SVG, the Vega-Lite spec and optional CSV', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'matsense-plots-'));
    try {
      const spec = errorCurves([{ name: 'GD', iter: [0, 1, 2], relError: [1, 0.5, 0.25] }], {});
      const csv = { iter: [0, 1, 2], relError: [1, 0.5, 0.25] };
      const out = await writePlot(join(dir, 'sub'), 'curves', spec, { csv });
      expect(await readFile(out.svg, 'utf8')).toMatch(/^<svg/);
      expect(JSON.parse(await readFile(out.spec, 'utf8'))).toEqual(JSON.parse(JSON.stringify(spec)));
      expect(await readFile(out.csv!, 'utf8')).toBe('iter,relError\n0,1\n1,0.5\n2,0.25\n');
      await expect(writePlot(dir, '../evil', spec)).rejects.toThrow(/plain file name/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('render cost', () => {
  it('renders a large convergence plot (5 runs × 5000 iterations) with every curve (its time is logged; speed is for benchmarks)', async () => {
    const it5k = Float64Array.from({ length: 5000 }, (_, i) => i);
    const runs = Array.from({ length: 5 }, (_, j) => ({
      name: `run ${j}`,
      iter: it5k,
      relError: it5k.map((i) => Math.exp(-i / (500 * (j + 1)))),
    }));
    const svg = await render('errorCurves-5x5000', errorCurves(runs, {}));
    expect(countItems(svg, 'line mark')).toBe(5);
    console.log(
      'plot render times (ms):',
      Object.entries(timings)
        .map(([k, v]) => `${k}=${v.toFixed(1)}`)
        .join(', '),
    );
  });
});
