import { describe, expect, it } from 'vitest';
import { chartLines } from '../../../src/commands/render/unicode-chart.js';

const chart = {
  labels: ['00', '01', '02', '03'],
  series: [
    { name: 'a', values: [0, 4, 8, 2] },
    { name: 'b', values: [1, 0, 0, 0] },
  ],
};

describe('Unicode chart text', () => {
  it('draws one strip of eighth-blocks per series, zeros as dots, labels where they fit', () => {
    expect(chartLines(chart, { height: 1, columnWidth: 1 })).toEqual([
      'a │·▄█▂│ max 8, total 14',
      'b │█···│ max 1, total 1',
      '   00 03',
    ]);
  });

  it('stacks rows for more resolution: the top row carries the max, the bottom the total', () => {
    const lines = chartLines({ labels: ['x', 'y'], series: [{ name: 's', values: [16, 4] }] }, { height: 2, columnWidth: 1 });
    // 16 = 16 eighths: full in both rows; 4 = 4 eighths: half a block in the bottom row only.
    expect(lines).toEqual(['s │█ │ max 16', '  │█▄│ total 20', '   x']);
  });

  it('draws rows with a bar for the first series and every value aligned', () => {
    expect(chartLines(chart, { style: 'rows', barWidth: 4 })).toEqual([
      '   │(a)  a  b',
      '00 │     0  1',
      '01 │██   4  0',
      '02 │████ 8  0',
      '03 │█    2  0',
    ]);
  });

  it('shows the smallest non-zero value as a visible sliver, and says when there is nothing to draw', () => {
    const [line] = chartLines({ labels: ['a', 'b'], series: [{ name: 's', values: [1000, 1] }] }, { height: 1, columnWidth: 1 });
    expect(line).toBe('s │█▁│ max 1,000, total 1,001');
    expect(chartLines({ labels: [], series: [] })).toEqual(['(no data)']);
  });

  it('labels a 25-hour day with its repeated hour', () => {
    const labels = ['00', '01', '02', "02'", '03'];
    const lines = chartLines({ labels, series: [{ name: 'received', values: [1, 2, 3, 4, 5] }] }, { height: 1, columnWidth: 4 });
    expect(lines.at(-1)).toBe("          00  01  02  02' 03");
  });
});
