import { describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../server/ingest/journal.ts';

/** A journal as the server has it: started (its directory made, what an earlier run left counted). */
async function started(dir: string, clock: () => number): Promise<Journal> {
  const j = new Journal(dir, clock, 10_000);
  await j.start();
  return j;
}

describe('ingest journal', () => {
  it('touches no file until started', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hallwatch-journal-')), 'journal');
    expect(new Journal(dir, () => 0, 10_000).leftBehind).toBe(0);
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
  });

  it('replays what a killed run appended, stopping at a frame cut short', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hallwatch-journal-')), 'journal');
    expect((await started(dir, () => 0)).leftBehind).toBe(0);
    let now = 1_000;
    const a = await started(dir, () => now);
    a.append('hallwatch/v1/hall-1/rack/r1/telemetry', Buffer.from('{"ts":1}'));
    now += 11_000;
    a.append('hallwatch/v1/hall-1/rack/r1/telemetry', Buffer.from('{"ts":2}'));
    a.append('t/ü', Buffer.from([0xff, 0x00]));
    // The crash cuts the last frame short.
    const files = readdirSync(dir).sort();
    appendFileSync(join(dir, files[files.length - 1]), Buffer.from([5, 0, 0, 0, 9, 0]));
    const b = await started(dir, () => now);
    expect(b.leftBehind).toBe(2);
    const left = b.recover();
    expect(left.map((m) => [m.topic, [...m.payload]])).toEqual([
      ['hallwatch/v1/hall-1/rack/r1/telemetry', [...Buffer.from('{"ts":1}')]],
      ['hallwatch/v1/hall-1/rack/r1/telemetry', [...Buffer.from('{"ts":2}')]],
      ['t/ü', [0xff, 0x00]],
    ]);
    expect(b.segments).toBe(2);
  });

  it.each([
    ['nothing written yet', Number.NEGATIVE_INFINITY, 2],
    ['the first segment written', 15_000, 1],
    ['everything written', 40_000, 0],
  ])('prunes closed segments once written: %s', async (_what, writtenBeforeMs, left) => {
    const dir = mkdtempSync(join(tmpdir(), 'hallwatch-journal-'));
    let now = 0;
    const j = await started(dir, () => now);
    for (const t of [1_000, 12_000, 23_000]) {
      now = t;
      j.append('x', Buffer.from('y'));
    }
    // Closed: [1 s → 12 s), [12 s → 23 s); the third is open.
    j.prune(writtenBeforeMs);
    expect(j.segments - 1).toBe(left);
    expect(readdirSync(dir)).toHaveLength(left + 1);
  });

  it('leaves nothing to replay after a clean stop whose last flush wrote everything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallwatch-journal-'));
    let now = 1_000;
    const j = await started(dir, () => now);
    j.append('x', Buffer.from('y'));
    now = 2_000;
    j.close();
    // The writer's last flush ends after the close: what was queued before it is written.
    now = 2_500;
    j.prune(now);
    expect((await started(dir, () => now)).leftBehind).toBe(0);
  });
});
