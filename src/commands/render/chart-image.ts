/**
 * A {@link ChartReply} as an image: Apache ECharts lays the chart out and
 * renders SVG server-side (no DOM, no canvas; loaded at the first chart), resvg rasterises it to PNG at
 * 2x for high-density screens, anti-aliased, with the DejaVu Sans font shipped
 * in the `dejavu-fonts-ttf` package (nothing is downloaded, no system font is
 * used, so every machine draws the same picture).
 *
 * Layout: traffic series in the upper panel, problem series (`panel:
 * 'problems'`) in a lower panel on their own scale, so a day with 100,000
 * deliveries still shows its 40 bounces. Within a panel one scale serves all
 * series (equal heights are equal counts) and
 * every axis is named by its units (a second unit is drawn as a line on the
 * same scale), so messages and recipients never share an axis unsaid.
 */
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import type * as Echarts from 'echarts';
import type { ChartReply, ChartSeries } from '../reply.js';

/** Advance widths of DejaVu Sans in em (its glyph widths / 2048), by character class. */
function emWidth(ch: string): number {
  if (/[0-9]/.test(ch)) return 0.636;
  if (/[ .,:;'|!il()[\]]/.test(ch)) return 0.33;
  if (/[fjrt]/.test(ch)) return 0.4;
  if (/[mwMW]/.test(ch)) return 0.95;
  if (/[A-Z]/.test(ch)) return 0.72;
  return 0.61;
}

const require = createRequire(import.meta.url);

let loaded: typeof Echarts | null = null;

/**
 * ECharts, loaded at the first chart. Its self-contained CommonJS bundle is
 * used on purpose: the ES modules import the `tslib` 2.3 they pin, whose
 * CommonJS build defines its helpers (`__awaiter`, `__classPrivateFieldGet`,
 * …) on the global object, replacing those of the newer tslib other libraries
 * here rely on (discord.js stopped answering interactions with them).
 */
function echarts(): typeof Echarts {
  if (loaded) return loaded;
  const lib = require('echarts') as typeof Echarts;
  // Without a canvas ECharts guesses text widths; measuring with the font's own widths keeps the legend and labels from overlapping.
  lib.setPlatformAPI({
    measureText(text: string, font?: string) {
      const size = Number(/(\d+(?:\.\d+)?)px/.exec(font ?? '')?.[1] ?? 12);
      const bold = /bold|[6-9]00/.test(font ?? '') ? 1.08 : 1;
      let em = 0;
      for (const ch of text) em += emWidth(ch);
      return { width: em * size * bold };
    },
  });
  return (loaded = lib);
}
/** TrueType files resvg reads (it cannot read woff/woff2). */
const FONT_FILES = [require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'), require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')];
const FONT = 'DejaVu Sans';

export interface ChartImageOptions {
  /** CSS pixels; the PNG is `scale` times larger. Default 960×560. */
  width?: number;
  height?: number;
  /** Device pixel ratio of the PNG. Default 2. */
  scale?: number;
}

type Chart = Pick<ChartReply, 'title' | 'labels' | 'series' | 'xName'>;

/** Colour-blind-safe (Okabe-Ito) colours by series name; others cycle. */
const COLOURS: Record<string, string> = {
  received: '#56B4E9',
  delivered: '#009E73',
  deferred: '#E69F00',
  deferrals: '#E69F00',
  bounced: '#D55E00',
  rejected: '#CC79A7',
};
const CYCLE = ['#0072B2', '#009E73', '#E69F00', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442'];
const INK = '#222222';
const MUTED = '#666666';
const GRID = '#e5e5e5';

/** The series of each panel, and each panel's units in order of first use (at most two get an axis). */
function panels(c: Chart): { traffic: ChartSeries[]; problems: ChartSeries[] } {
  const traffic = c.series.filter((s) => s.panel !== 'problems');
  const problems = c.series.filter((s) => s.panel === 'problems');
  return traffic.length === 0 ? { traffic: problems, problems: [] } : { traffic, problems };
}

function unitsOf(list: ChartSeries[]): string[] {
  const out: string[] = [];
  for (const s of list) if (!out.includes(s.unit ?? '')) out.push(s.unit ?? '');
  return out;
}

const compact = (v: number) => (Math.abs(v) >= 1_000_000 ? `${+(v / 1_000_000).toFixed(1)}M` : Math.abs(v) >= 10_000 ? `${+(v / 1000).toFixed(1)}k` : v.toLocaleString('en-US'));

/** The ECharts option of a chart (exported for tests of the layout). */
export function chartOption(c: Chart, width: number, height: number): Echarts.EChartsCoreOption {
  const { traffic, problems } = panels(c);
  const two = problems.length > 0;
  const top = 104;
  const bottom = 46;
  const gap = 56;
  const plot = height - top - bottom - (two ? gap : 0);
  const upperH = two ? Math.round(plot * 0.62) : plot;
  const lowerH = plot - upperH;
  const grids = [{ left: 78, right: 36, top, height: upperH }];
  if (two) grids.push({ left: 78, right: 36, top: top + upperH + gap, height: lowerH });
  const axisText = { color: MUTED, fontFamily: FONT, fontSize: 11 };
  const xAxis = grids.map((_, g) => ({
    type: 'category' as const,
    gridIndex: g,
    data: c.labels,
    axisTick: { alignWithLabel: true },
    axisLine: { lineStyle: { color: '#999999' } },
    axisLabel: { ...axisText, show: g === grids.length - 1 || !two, interval: c.labels.length > 31 ? 'auto' : 0, hideOverlap: true },
    name: g === grids.length - 1 && c.xName ? c.xName : '',
    nameLocation: 'middle' as const,
    nameGap: 28,
    nameTextStyle: axisText,
  }));
  // One scale per panel, so equal heights are equal counts; the axis names every unit on it and a
  // second unit is drawn as a line, so messages and recipients are never mixed unsaid.
  const yAxis = grids.map((_, g) => {
    const units = unitsOf(g === 0 ? traffic : problems).filter((u) => u !== '');
    const label = g === 0 ? (two ? 'Traffic' : '') : 'Problems';
    return {
      type: 'value' as const,
      gridIndex: g,
      name: [label, units.join(' · ')].filter(Boolean).join(': '),
      nameTextStyle: { ...axisText, align: 'left' as const, padding: [0, 0, 0, -62] },
      minInterval: 1,
      splitNumber: g === 0 ? 5 : 3,
      splitLine: { lineStyle: { color: GRID } },
      axisLabel: { ...axisText, formatter: compact },
    };
  });
  let colour = 0;
  const series = [...traffic.map((s) => [s, 0] as const), ...problems.map((s) => [s, 1] as const)].map(([s, g]) => {
    const line = unitsOf(g === 0 ? traffic : problems).indexOf(s.unit ?? '') > 0;
    const color = COLOURS[s.name] ?? CYCLE[colour++ % CYCLE.length];
    const name = s.unit ? `${s.name} (${s.unit})` : s.name;
    return line
      ? { type: 'line' as const, name, data: s.values, xAxisIndex: g, yAxisIndex: g, color, symbol: 'circle', symbolSize: 5, lineStyle: { width: 2.5 }, z: 3 }
      : { type: 'bar' as const, name, data: s.values, xAxisIndex: g, yAxisIndex: g, color, barMaxWidth: 28, barGap: '10%' };
  });
  return {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FONT, color: INK },
    title: { text: c.title, left: 16, top: 12, textStyle: { fontFamily: FONT, fontSize: 16, fontWeight: 'bold', color: INK } },
    legend: { top: 44, left: 16, itemGap: 18, itemWidth: 14, itemHeight: 10, textStyle: { fontFamily: FONT, fontSize: 12, color: INK } },
    grid: grids,
    xAxis,
    yAxis,
    series,
  };
}

/** The chart as an SVG document (CSS pixels). */
export function chartSvg(c: Chart, opts: ChartImageOptions = {}): string {
  const width = opts.width ?? 960;
  const height = opts.height ?? 560;
  const chart = echarts().init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(chartOption(c, width, height));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** The chart as a PNG, `scale` (default 2) times its CSS size. Synchronous: adapters call it while rendering a reply. */
export function chartPng(c: Chart, opts: ChartImageOptions = {}): Buffer {
  const scale = opts.scale ?? 2;
  const svg = chartSvg(c, opts);
  const png = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: FONT, sansSerifFamily: FONT },
    background: '#ffffff',
  })
    .render()
    .asPng();
  return Buffer.from(png);
}
