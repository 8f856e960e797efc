/**
 * A {@link ChartReply} as a PNG (grouped bars per label, a legend, a y axis
 * with round ticks), for the image Slack and Discord attach beside the
 * Unicode chart. Pure JavaScript: pixels are drawn here, encoded by pngjs,
 * text uses the built-in 5×7 bitmap font, so no native module or font file
 * is needed.
 */
import { PNG } from 'pngjs';
import type { ChartReply } from '../reply.js';
import { GLYPH_H, GLYPH_W, glyph } from './bitmap-font.js';

export interface ChartPngOptions {
  /** Pixels; default 960×420. */
  width?: number;
  height?: number;
}

type Rgb = readonly [number, number, number];

/** Series colours (colour-blind-safe Tableau 10 order). */
const PALETTE: readonly Rgb[] = [
  [0x4e, 0x79, 0xa7],
  [0x59, 0xa1, 0x4f],
  [0xf2, 0x8e, 0x2b],
  [0xe1, 0x57, 0x59],
  [0x76, 0xb7, 0xb2],
  [0xed, 0xc9, 0x48],
];
const WHITE: Rgb = [255, 255, 255];
const INK: Rgb = [0x33, 0x33, 0x33];
const MUTED: Rgb = [0x77, 0x77, 0x77];
const GRID: Rgb = [0xe6, 0xe6, 0xe6];

/** An RGBA pixel buffer with the few primitives a bar chart needs. */
class Canvas {
  readonly png: PNG;
  constructor(readonly width: number, readonly height: number) {
    this.png = new PNG({ width, height });
    this.rect(0, 0, width, height, WHITE);
  }

  rect(x: number, y: number, w: number, h: number, c: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    const d = this.png.data;
    for (let yy = y0; yy < y1; yy++) {
      for (let xx = x0; xx < x1; xx++) {
        const i = (yy * this.width + xx) * 4;
        d[i] = c[0];
        d[i + 1] = c[1];
        d[i + 2] = c[2];
        d[i + 3] = 255;
      }
    }
  }

  /** Text at scale `s` (1 = 5×7 px glyphs); returns the width drawn. */
  text(x: number, y: number, s: number, str: string, c: Rgb): number {
    let cx = x;
    for (const ch of str) {
      const rows = glyph(ch);
      for (let r = 0; r < GLYPH_H; r++) {
        for (let col = 0; col < GLYPH_W; col++) {
          if (rows[r] & (1 << (GLYPH_W - 1 - col))) this.rect(cx + col * s, y + r * s, s, s, c);
        }
      }
      cx += (GLYPH_W + 1) * s;
    }
    return cx - x;
  }
}

/** Width in px of `str` at scale `s`. */
function textWidth(str: string, s: number): number {
  return [...str].length * (GLYPH_W + 1) * s;
}

/** A round axis maximum and tick step (1, 2 or 5 × 10^k) giving 4 to 6 ticks. */
export function niceScale(max: number): { top: number; step: number } {
  if (max <= 0) return { top: 4, step: 1 };
  const rough = max / 5;
  const mag = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((st) => st >= rough) ?? 10 * mag;
  const whole = Math.max(1, step >= 1 ? step : 1);
  return { top: Math.ceil(max / whole) * whole, step: whole };
}

function short(n: number): string {
  if (n >= 1_000_000) return `${+(n / 1_000_000).toFixed(1)}M`;
  if (n >= 1000) return `${+(n / 1000).toFixed(1)}k`;
  return n.toLocaleString('en-US');
}

/** Draw the chart and encode it as PNG bytes. */
export function chartPng(chart: Pick<ChartReply, 'title' | 'labels' | 'series'>, opts: ChartPngOptions = {}): Buffer {
  const W = Math.max(320, opts.width ?? 960);
  const H = Math.max(200, opts.height ?? 420);
  const cv = new Canvas(W, H);
  const pad = 16;
  const S = 2; // text scale: 10×14 px glyphs

  cv.text(pad, pad, S, chart.title, INK);
  let lx = pad;
  const legendY = pad + 14 + 12;
  chart.series.forEach((s, k) => {
    cv.rect(lx, legendY, 14, 14, PALETTE[k % PALETTE.length]);
    const total = s.values.reduce((a, b) => a + b, 0);
    lx += 20 + cv.text(lx + 20, legendY, S, `${s.name} (${short(total)})`, INK) + 20;
  });

  const max = Math.max(0, ...chart.series.flatMap((s) => s.values));
  const { top, step } = niceScale(max);
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
  const yLabelW = Math.max(...ticks.map((t) => textWidth(short(t), S)));
  const left = pad + yLabelW + 8;
  const right = W - pad;
  const plotTop = legendY + 14 + 20;
  const bottom = H - pad - 14 - 8;
  const plotH = bottom - plotTop;
  const plotW = right - left;

  for (const t of ticks) {
    const y = Math.round(bottom - (t / top) * plotH);
    cv.rect(left, y, plotW, 1, GRID);
    const label = short(t);
    cv.text(left - 8 - textWidth(label, S), y - 7, S, label, MUTED);
  }

  const n = Math.max(1, chart.labels.length);
  const slotW = plotW / n;
  const groupW = slotW * 0.8;
  const barW = Math.max(1, Math.floor(groupW / Math.max(1, chart.series.length)));
  for (let i = 0; i < n; i++) {
    const gx = left + i * slotW + (slotW - barW * chart.series.length) / 2;
    chart.series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      if (v <= 0) return;
      const h = Math.max(1, Math.round((v / top) * plotH));
      cv.rect(gx + k * barW, bottom - h, barW, h, PALETTE[k % PALETTE.length]);
    });
  }
  cv.rect(left, bottom, plotW, 2, INK);

  const labelW = Math.max(...chart.labels.map((l) => textWidth(l, S)), 1);
  const every = Math.max(1, Math.ceil((labelW + 6) / slotW));
  chart.labels.forEach((l, i) => {
    if (i % every !== 0) return;
    const cx = left + i * slotW + slotW / 2;
    cv.text(Math.round(cx - textWidth(l, S) / 2), bottom + 8, S, l, MUTED);
  });

  return PNG.sync.write(cv.png);
}
