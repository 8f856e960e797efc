import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { chartPng, niceScale } from '../../../src/commands/render/chart-png.js';

function pixel(png: PNG, x: number, y: number): [number, number, number] {
  const i = (y * png.width + x) * 4;
  return [png.data[i], png.data[i + 1], png.data[i + 2]];
}

/** Columns (x) holding a pixel of exactly this colour. */
function columnsWith(png: PNG, rgb: [number, number, number]): number[] {
  const xs: number[] = [];
  for (let x = 0; x < png.width; x++) {
    for (let y = 0; y < png.height; y++) {
      const p = pixel(png, x, y);
      if (p[0] === rgb[0] && p[1] === rgb[1] && p[2] === rgb[2]) {
        xs.push(x);
        break;
      }
    }
  }
  return xs;
}

const BLUE: [number, number, number] = [0x4e, 0x79, 0xa7];
const GREEN: [number, number, number] = [0x59, 0xa1, 0x4f];

describe('chart PNG', () => {
  it('encodes a valid PNG of the asked size with bars where the values are', () => {
    const labels = Array.from({ length: 24 }, (_, i) => String(i).padStart(2, '0'));
    const received = labels.map((_, i) => (i === 6 ? 100 : 0));
    const delivered = labels.map((_, i) => (i === 18 ? 50 : 0));
    const buf = chartPng({ title: 'Traffic per hour', labels, series: [{ name: 'received', values: received }, { name: 'delivered', values: delivered }] }, { width: 800, height: 400 });
    expect(buf.subarray(1, 4).toString('latin1')).toBe('PNG');
    const png = PNG.sync.read(buf);
    expect([png.width, png.height]).toEqual([800, 400]);
    // Legend squares sit at the left; the bars are the columns further right.
    const blue = columnsWith(png, BLUE).filter((x) => x > 200);
    const green = columnsWith(png, GREEN).filter((x) => x > 400);
    expect(blue.length).toBeGreaterThan(5);
    expect(green.length).toBeGreaterThan(5);
    // Hour 6 is a quarter of the way along the plot, hour 18 three quarters.
    const mid = (xs: number[]) => (xs[0] + xs[xs.length - 1]) / 2;
    expect(mid(blue) / 800).toBeGreaterThan(0.25);
    expect(mid(blue) / 800).toBeLessThan(0.4);
    expect(mid(green) / 800).toBeGreaterThan(0.7);
    expect(mid(green) / 800).toBeLessThan(0.85);
    // Hour 6 (100) is drawn twice as tall as hour 18 (50).
    const height = (x: number, rgb: [number, number, number]) => {
      let h = 0;
      for (let y = 0; y < png.height; y++) {
        const p = pixel(png, x, y);
        if (p[0] === rgb[0] && p[1] === rgb[1] && p[2] === rgb[2]) h++;
      }
      return h;
    };
    expect(height(Math.round(mid(blue)), BLUE) / height(Math.round(mid(green)), GREEN)).toBeCloseTo(2, 1);
  });

  it('draws an empty day without failing', () => {
    const png = PNG.sync.read(chartPng({ title: 'No traffic', labels: ['00', '01'], series: [{ name: 'received', values: [0, 0] }] }));
    expect(png.width).toBe(960);
    expect(columnsWith(png, BLUE).every((x) => x < 100)).toBe(true);
  });

  it('picks round axis scales', () => {
    expect(niceScale(0)).toEqual({ top: 4, step: 1 });
    expect(niceScale(3)).toEqual({ top: 3, step: 1 });
    expect(niceScale(8000)).toEqual({ top: 8000, step: 2000 });
    expect(niceScale(11_200)).toEqual({ top: 15_000, step: 5000 });
    expect(niceScale(97)).toEqual({ top: 100, step: 20 });
  });
});
