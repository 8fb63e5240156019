import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../web/src/lib/time-range.ts';
import { withGaps } from '../../web/src/lib/gaps.ts';

describe('CSV export', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['+cmd|\' /C calc\'!A0', `'+cmd|' /C calc'!A0`],
    ['-2+3', `'-2+3`],
    ['@SUM(A1:A2)', `'@SUM(A1:A2)`],
    ['\tTAB', `'\tTAB`],
    ['\r=1', `"'\r=1"`],
    ['<img src=x onerror=alert(1)>', '<img src=x onerror=alert(1)>'],
    ['a,b', '"a,b"'],
    ['plain', 'plain'],
    [-3.25, '-3.25'],
    [0, '0'],
    [Number.NaN, ''],
    [null, ''],
  ])('%j → %s', (v, out) => expect(csvCell(v as string | number | null)).toBe(out));

  it('keeps numbers numeric and neutralises a hostile column name', () => {
    const csv = toCsv([0], [{ name: '=1+1', unit: 'kW', values: [-4.5] }]);
    expect(csv).toBe(`time,'=1+1 (kW)\n1970-01-01T00:00:00.000Z,-4.5\n`);
  });
});

describe('chart gaps', () => {
  it.each([
    ['1 Hz with a 30 s outage', [0, 1, 2, 3, 33, 34, 35], [18]],
    ['1 Hz with jitter and one missed sample: no gap', [0, 1, 2.1, 4, 5, 6], []],
    ['minute rollups with a 10 min hole', [0, 60, 120, 180, 780, 840], [480]],
    ['two outages', [0, 1, 2, 20, 21, 22, 60, 61], [11, 41]],
    ['too short to judge', [0, 100], []],
  ])('%s', (_what, x, gapsAt) => {
    const values = x.map((t) => t * 2);
    const [xs, ys] = withGaps([x, values]);
    expect(xs.filter((_, k) => ys[k] === null)).toEqual(gapsAt);
    expect(ys.filter((v) => v !== null)).toEqual(values);
  });
});
