import { describe, expect, it } from 'vitest';
import { chartPng, chartSvg } from '../../../src/commands/render/chart-image.js';
import type { ChartReply } from '../../../src/commands/reply.js';
import { decodePng, rgbAt, type DecodedPng } from './png-decode.js';

const labels = Array.from({ length: 24 }, (_, i) => String(i).padStart(2, '0'));
const BOUNCED: [number, number, number] = [0xd5, 0x5e, 0x00];
const RECEIVED: [number, number, number] = [0x56, 0xb4, 0xe9];

function day(received: number[], delivered: number[], bounced: number[]): Pick<ChartReply, 'title' | 'labels' | 'series' | 'xName'> {
  return {
    title: 'Traffic per hour',
    xName: 'hour',
    labels,
    series: [
      { name: 'received', unit: 'messages', values: received },
      { name: 'delivered', unit: 'recipients', values: delivered },
      { name: 'bounced', unit: 'recipients', panel: 'problems', values: bounced },
      { name: 'rejected', unit: 'submissions', panel: 'problems', values: labels.map(() => 0) },
    ],
  };
}

/** Below the title and legend (device pixels at 2x): where the plots are. */
const PLOTS = 220;

/** Rows (y) of column x, in the plots, holding exactly this colour. */
function rowsWith(p: DecodedPng, x: number, rgb: [number, number, number]): number[] {
  const ys: number[] = [];
  for (let y = PLOTS; y < p.height; y++) {
    const c = rgbAt(p, x, y);
    if (c[0] === rgb[0] && c[1] === rgb[1] && c[2] === rgb[2]) ys.push(y);
  }
  return ys;
}

/** Columns holding at least `min` pixels of exactly this colour. */
function columnsWith(p: DecodedPng, rgb: [number, number, number], min = 20): number[] {
  const xs: number[] = [];
  for (let x = 0; x < p.width; x++) if (rowsWith(p, x, rgb).length >= min) xs.push(x);
  return xs;
}

describe('chart image', () => {
  const busy = day(
    labels.map((_, i) => (i === 6 ? 12_000 : 2000)),
    labels.map(() => 3000),
    labels.map((_, i) => (i === 18 ? 40 : 0)),
  );

  it('writes a PNG at twice the CSS size that decodes, anti-aliased', () => {
    const png = decodePng(chartPng(busy, { width: 800, height: 500 }));
    expect([png.width, png.height]).toEqual([1600, 1000]);
    // Anti-aliased text and lines leave many intermediate colours; a 1-bit drawing has a handful.
    const colours = new Set<number>();
    for (let i = 0; i < png.pixels.length; i += png.channels) colours.add((png.pixels[i] << 16) | (png.pixels[i + 1] << 8) | png.pixels[i + 2]);
    expect(colours.size).toBeGreaterThan(100);
  });

  it('keeps 40 bounces visible beside 12,000 messages (own panel, own scale) and puts bars where the values are', () => {
    const png = decodePng(chartPng(busy, { width: 800, height: 500 }));
    const bounced = columnsWith(png, BOUNCED);
    expect(bounced.length).toBeGreaterThan(4);
    // Hour 18 of 24, three quarters along the plot.
    const mid = (bounced[0] + bounced[bounced.length - 1]) / 2 / png.width;
    expect(mid).toBeGreaterThan(0.7);
    expect(mid).toBeLessThan(0.85);
    // Its bar fills its whole panel (it is that panel's maximum): well over a hundred device pixels.
    expect(rowsWith(png, Math.round((bounced[0] + bounced[bounced.length - 1]) / 2), BOUNCED).length).toBeGreaterThan(100);
    // Received bars: the tallest at hour 6, six times hour 0.
    const received = columnsWith(png, RECEIVED, 5);
    const tall = received.filter((x) => rowsWith(png, x, RECEIVED).length > 300);
    expect(tall.length).toBeGreaterThan(4);
    const tallMid = (tall[0] + tall[tall.length - 1]) / 2 / png.width;
    expect(tallMid).toBeGreaterThan(0.25);
    expect(tallMid).toBeLessThan(0.38);
  });

  it('names the units on the axes and in the legend', () => {
    const svg = chartSvg(busy);
    expect(svg).toContain('received (messages)');
    expect(svg).toContain('delivered (recipients)');
    expect(svg).toContain('Traffic: messages · recipients');
    expect(svg).toContain('Problems: recipients · submissions');
  });

  it('draws two different days differently, and an empty day without failing', () => {
    const quiet = day(
      labels.map((_, i) => (i === 9 ? 2 : 0)),
      labels.map((_, i) => (i === 9 ? 3 : 0)),
      labels.map(() => 0),
    );
    const a = chartPng(busy);
    const b = chartPng(quiet);
    expect(a.equals(b)).toBe(false);
    const pa = decodePng(a);
    const pb = decodePng(b);
    expect([pb.width, pb.height]).toEqual([pa.width, pa.height]);
    expect(pa.pixels.equals(pb.pixels)).toBe(false);
    const empty = decodePng(chartPng(day(labels.map(() => 0), labels.map(() => 0), labels.map(() => 0))));
    expect(empty.width).toBe(1920);
    expect(columnsWith(empty, RECEIVED, 20)).toEqual([]);
  });
});
