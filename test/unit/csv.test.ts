import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../web/src/lib/time-range.ts';

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
