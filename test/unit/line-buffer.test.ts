import { describe, expect, it } from 'vitest';
import { LineBuffer, encoded, encodedKeys } from '../../server/history/line-buffer.ts';
import { blockNumber } from '../../server/history/raw-block.ts';

describe('LineBuffer', () => {
  it.each([
    0, -0, 1, -1, 0.5, 49.6, 49.6004, 49.6005, 49.9996, -0.0004, -0.0005, -12.3456, 120.3, 1e-7, 0.001, 0.01, 0.1,
    999.999, 1000, 1234567.891, -98765.4321, 2 ** 31, 8.9e12, 1e13, 1e15, 1e21, -1e21, 1.7976931348623157e308,
  ])('num3(%d) writes what blockNumber() does', (v) => {
    expect(new LineBuffer().num3(v).text()).toBe(blockNumber(v));
  });

  it('num3() reads back as the value rounded to 3 decimals, for 20,000 values across magnitudes', () => {
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const w = new LineBuffer();
    for (let k = 0; k < 20_000; k++) {
      const v = (rand() - 0.5) * 10 ** Math.floor(rand() * 12);
      const text = w.reset().num3(v).text();
      expect(Number(text)).toBe(Math.round(v * 1000) / 1000 || 0);
      expect(text).toBe(blockNumber(v));
    }
  });

  it.each([
    [0, '0'], [7, '7'], [-42, '-42'], [1_800_000_000_000, '1800000000000'], [0.5, '0.5'], [Number.MAX_SAFE_INTEGER + 2, String(Number.MAX_SAFE_INTEGER + 2)],
  ])('int(%d) is %s', (v, text) => {
    expect(new LineBuffer().int(v).text()).toBe(text);
  });

  it('copies encoded pieces byte for byte (tags in any script) and grows past its first buffer', () => {
    const head = encoded('rack,hall=Halle\\ Süd,rack=機架-1 ');
    const w = new LineBuffer().bytes(head);
    for (let k = 0; k < 5000; k++) w.byte(44).num3(k + 0.25);
    const text = w.text();
    expect(text.startsWith('rack,hall=Halle\\ Süd,rack=機架-1 ,0.25,1.25')).toBe(true);
    expect(text.endsWith(',4999.25')).toBe(true);
    expect(Buffer.byteLength(text)).toBeGreaterThan(16 * 1024);
  });

  it('rewinds to a mark: a field with no value leaves nothing behind', () => {
    const w = new LineBuffer().ascii('m ');
    const mark = w.length;
    w.ascii('empty="');
    w.rewind(mark);
    expect(w.ascii('v=1').text()).toBe('m v=1');
  });
});

describe('encodedKeys', () => {
  it('encodes before + key + after for each key, once per process for the same list', () => {
    const a = encodedKeys(['return_c', 'flow\\ lpm'], ',', '=');
    expect(a.map((b) => Buffer.from(b).toString())).toEqual([',return_c=', ',flow\\ lpm=']);
    // Every entity with these fields shares one list (a copy each was millions of buffers at 1 GW).
    expect(encodedKeys(['return_c', 'flow\\ lpm'], ',', '=')).toBe(a);
    expect(encodedKeys(['return_c', 'flow\\ lpm'], '', '=')).not.toBe(a);
    expect(encodedKeys(['return_c'], ',', '=')).not.toBe(a);
    expect(Buffer.from(encodedKeys(['ü'], ',', '="')[0]).toString()).toBe(',ü="');
  });
});
