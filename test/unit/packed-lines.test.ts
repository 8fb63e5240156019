import { describe, expect, it } from 'vitest';
import { PackedLines, PackedPool } from '../../server/history/packed-lines.ts';

const CASES: { name: string; lines: string[] }[] = [
  { name: 'one ASCII line', lines: ['rack_block,hall=h1,rack=h1-r01-k01 offsets="0,1000" 1765000000000'] },
  { name: 'non-ASCII tags (2- and 4-byte UTF-8)', lines: ['cdu,hall=Halle\\ Süd v=1 1', 'x,site=数据中心 v=2 2', 'y,t=🔥 v=3 3'] },
  { name: 'a line longer than the first buffer', lines: ['a', 'b'.repeat(200_000), 'c'] },
  { name: 'many short lines (the line index grows)', lines: Array.from({ length: 5_000 }, (_, i) => `p v=${i} ${i}`) },
  { name: 'quotes, commas and escaped spaces', lines: ['m,t=a\\,b\\ c f="x \\"y\\"",g=1i 5'] },
];

describe('PackedLines', () => {
  for (const c of CASES) {
    it(`packs and reads back: ${c.name}`, () => {
      const p = PackedLines.of(c.lines, new PackedLines(16, 2));
      expect(p.length).toBe(c.lines.length);
      expect(p.toArray()).toEqual(c.lines);
      expect(p.line(c.lines.length - 1)).toBe(c.lines.at(-1));
      const text = c.lines.join('\n') + '\n';
      expect(p.body().toString('utf8')).toBe(text);
      expect(p.byteLength).toBe(Buffer.byteLength(text));
      expect(PackedLines.fromBytes(p.body()).toArray()).toEqual(c.lines);
    });
  }

  it('fills to the last byte before growing, with multi-byte characters at the edge', () => {
    const p = new PackedLines(8, 1);
    p.push('ab');
    p.push('ü'.repeat(10));
    p.push('€');
    expect(p.toArray()).toEqual(['ab', 'ü'.repeat(10), '€']);
    expect(p.body().toString('utf8')).toBe(`ab\n${'ü'.repeat(10)}\n€\n`);
  });

  const FILES: { name: string; text: string; lines: string[] }[] = [
    { name: 'with a final newline', text: 'a 1\nb 2\n', lines: ['a 1', 'b 2'] },
    { name: 'without a final newline', text: 'a 1\nb 2', lines: ['a 1', 'b 2'] },
    { name: 'blank lines skipped', text: '\n\na 1\n\n\nb 2\n\n', lines: ['a 1', 'b 2'] },
    { name: 'empty', text: '', lines: [] },
  ];
  for (const f of FILES) {
    it(`reads a spill file ${f.name}`, () => {
      const p = PackedLines.fromBytes(Buffer.from(f.text));
      expect(p.toArray()).toEqual(f.lines);
      expect(PackedLines.countIn(Buffer.from(f.text))).toBe(f.lines.length);
      expect(p.body().toString()).toBe(f.lines.map((l) => l + '\n').join(''));
    });
  }

  it('refuses a line index out of range, naming it', () => {
    const p = PackedLines.of(['a']);
    expect(() => p.line(1)).toThrow(/line 1 of 1/);
    expect(() => p.line(-1)).toThrow(RangeError);
  });

  it('is empty after clear() and packs again from the start', () => {
    const p = PackedLines.of(['first line', 'second']);
    p.clear();
    expect([p.length, p.byteLength]).toEqual([0, 0]);
    p.push('x');
    expect(p.body().toString()).toBe('x\n');
  });
});

describe('PackedPool', () => {
  it('gives back a returned batch, empty, instead of allocating', () => {
    const pool = new PackedPool(2);
    const a = pool.take();
    a.push('line');
    pool.give(a);
    expect(pool.size).toBe(1);
    const again = pool.take();
    expect(again).toBe(a);
    expect(again.length).toBe(0);
    expect(pool.size).toBe(0);
  });

  it('keeps at most `keep` batches, none twice, none larger than its byte limit', () => {
    const pool = new PackedPool(2, 128 * 1024);
    const [a, b, c] = [pool.take(), pool.take(), pool.take()];
    pool.give(a);
    pool.give(a);
    expect(pool.size).toBe(1);
    const big = new PackedLines(16);
    big.push('z'.repeat(200_000));
    pool.give(big);
    expect(pool.size).toBe(1);
    pool.give(b);
    pool.give(c);
    expect(pool.size).toBe(2);
  });
});
