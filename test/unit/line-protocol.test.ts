import { describe, expect, it } from 'vitest';
import { escapeKey, escapeMeasurement, formatPoint, PointFormat } from '../../server/history/line-protocol.ts';

describe('line protocol', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', 'a\\,b'],
    ['a b', 'a\\ b'],
    ['a=b', 'a\\=b'],
    ['new\nline', 'new\\ line'],
    ['back\\slash', 'back/slash'],
    ['end\\', 'end/'],
  ])('escapeKey(%j) = %j', (input, out) => expect(escapeKey(input)).toBe(out));

  it('escapes measurement names but leaves equals signs alone', () => {
    expect(escapeMeasurement('rack 1,x=y')).toBe('rack\\ 1\\,x=y');
  });

  it('writes sorted tags, finite fields and a millisecond timestamp', () => {
    expect(formatPoint('rack', { rack: 'k1', hall: 'h1' }, { rack_kw: 120.5, return_c: 48 }, 1_800_000_000_000.4)).toBe(
      'rack,hall=h1,rack=k1 rack_kw=120.5,return_c=48 1800000000000',
    );
  });

  it.each([
    ['NaN', { a: Number.NaN, b: 1 }, 'm b=1 5'],
    ['Infinity', { a: Number.POSITIVE_INFINITY, b: 2 }, 'm b=2 5'],
    ['null and undefined', { a: null, b: undefined, c: 3 }, 'm c=3 5'],
  ])('leaves out %s fields', (_what, fields, line) => {
    expect(formatPoint('m', {}, fields, 5)).toBe(line);
  });

  it('writes no point without a finite field or timestamp, and skips empty tag values', () => {
    expect(formatPoint('m', { id: 'x' }, { a: Number.NaN }, 5)).toBeNull();
    expect(formatPoint('m', { id: 'x' }, { a: 1 }, Number.NaN)).toBeNull();
    expect(formatPoint('m', { id: '', row: 'r' }, { a: 1 }, 5)).toBe('m,row=r a=1 5');
  });

  const hostile = { hall: 'h 1', rack: 'a,b=c', row: 'line\nbreak', empty: '' };
  it.each([
    ['plain values', { rack: 'k1', hall: 'h1' }, { rack_kw: 120.5, return_c: 48 }, 1_800_000_000_000.4],
    ['hostile tags and keys', hostile, { 'k,ey': 1, 'sp ace': -2.5e-7, 'eq=ual': 3 }, 5],
    ['non-finite values left out', hostile, { a: Number.NaN, b: 1, c: Number.POSITIVE_INFINITY, d: Number.NEGATIVE_INFINITY, e: 0 }, 7],
    ['no finite value: no point', { id: 'x' }, { a: Number.NaN }, 5],
    ['no timestamp: no point', { id: 'x' }, { a: 1 }, Number.NaN],
  ])('PointFormat writes what formatPoint writes: %s', (_name, tags, fields, tsMs) => {
    const f = new PointFormat('rack 1,x', tags, Object.keys(fields));
    expect(f.line(Object.values(fields), tsMs)).toBe(formatPoint('rack 1,x', tags, fields, tsMs));
  });
});
