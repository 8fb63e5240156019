import { describe, expect, it } from 'vitest';
import { Intake, SLICE_MS, type IntakeJournal } from '../../server/ingest/intake.ts';
import { Readings } from '../../server/ingest/readings.ts';
import { SourceTally } from '../../server/ingest/tally.ts';
import { Metrics } from '../../server/http/metrics.ts';
import { createLogger } from '../../server/logger.ts';
import { LiveState } from '../../server/state/live-state.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';

const T0 = 1_800_000_000_000;
const quiet = createLogger('error');

/** A journal in memory: what it was given, and what an earlier run left. */
function memoryJournal(left: string[] = []) {
  const appended: string[] = [];
  const journal: IntakeJournal & { closed: boolean } = {
    closed: false,
    recover: () => left.map((topic) => ({ topic, payload: Buffer.from('left') })),
    append: (topic) => void appended.push(topic),
    close: () => void (journal.closed = true),
  };
  return { journal, appended };
}

describe('Intake', () => {
  it('journals each message before handling it, and replays what an earlier run left before anything new', () => {
    const { journal, appended } = memoryJournal(['old/1', 'old/2']);
    const events: string[] = [];
    const intake = new Intake((topic) => events.push(`handled ${topic} (journaled: ${appended.includes(topic)})`), journal, quiet);
    intake.start();
    intake.take('new/1', Buffer.from('x'));
    intake.stop();
    expect(events).toEqual(['handled old/1 (journaled: false)', 'handled old/2 (journaled: false)', 'handled new/1 (journaled: true)']);
    expect(appended).toEqual(['new/1']);
    expect(journal.closed).toBe(true);
  });

  it('hands messages straight to the handler without a journal', () => {
    const handled: string[] = [];
    const intake = new Intake((topic) => handled.push(topic), null, quiet);
    intake.start();
    intake.take('t', Buffer.from('x'));
    expect(handled).toEqual(['t']);
  });

  it(`gives the event loop a turn once ${SLICE_MS} ms of handling are spent`, async () => {
    const intake = new Intake(() => {}, null, quiet);
    let passed = 0;
    intake.pass(() => passed++);
    expect(passed).toBe(1);
    const busyUntil = performance.now() + SLICE_MS + 1;
    while (performance.now() < busyUntil);
    intake.pass(() => passed++);
    expect(passed).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(passed).toBe(2);
    // A new slice starts after the turn.
    intake.pass(() => passed++);
    expect(passed).toBe(3);
  });
});

describe('Readings', () => {
  const fresh = () => {
    const state = new LiveState(buildSiteIndex(generateSite({ halls: 1, rows: 1, racksPerRow: 2, racksPerCdu: 2 })), 3000);
    const sourceTimes: number[] = [];
    const metrics = new Metrics();
    // Scraped just after the first 10 s window (opened by the first sample at T0 + 250) closed.
    return { readings: new Readings(state, metrics, () => T0 + 10_300, (tsMs) => sourceTimes.push(tsMs)), sourceTimes, metrics };
  };
  const rack = (ts: number) => ({ ts, rackKw: 120, supplyC: 40, returnC: 48.9, flowLpm: 182 });

  it.each<[string, number[], string[], number[]]>([
    ['a newer sample each time', [T0, T0 + 1000], ['applied', 'applied'], [T0, T0 + 1000]],
    ['a redelivery', [T0, T0], ['applied', 'duplicate'], [T0]],
    ['an older sample after a newer one', [T0 + 1000, T0], ['applied', 'late'], [T0 + 1000]],
  ])('tells the steady clock the source time of applied samples only: %s', (_what, stamps, outcomes, fed) => {
    const { readings, sourceTimes } = fresh();
    expect(stamps.map((ts) => readings.rack(0, rack(ts), ts + 500))).toEqual(outcomes);
    expect(sourceTimes).toEqual(fed);
  });

  it('reports the age of applied samples in the last complete 10 s window', async () => {
    const { readings, metrics } = fresh();
    readings.rack(0, rack(T0), T0 + 250);
    readings.cdu(0, { ts: T0, supplyC: 40, returnC: 48.9, flowLpm: 360, facilitySupplyC: 36, running: true }, T0 + 250);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^hallwatch_ingest_sample_age_max_seconds 0\.26$/m);
  });
});

describe('SourceTally', () => {
  it('counts taken and refused messages by label and logs the first refusal of a reason', async () => {
    const metrics = new Metrics();
    const lines: string[] = [];
    const tally = new SourceTally(metrics, createLogger('warn', 'test', (l) => lines.push(l)), {
      accepted: { name: 'test_accepted_total', help: 'taken', label: 'kind', values: ['a', 'b'] },
      rejected: { name: 'test_rejected_total', help: 'refused', label: 'reason', values: ['bad', 'worse'] },
    });
    tally.accepted.a();
    tally.accepted.a();
    tally.rejected('bad', 'message one');
    tally.rejected('bad', 'message two');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^test_accepted_total\{kind="a"\} 2$/m);
    expect(text).toMatch(/^test_accepted_total\{kind="b"\} 0$/m);
    expect(text).toMatch(/^test_rejected_total\{reason="bad"\} 2$/m);
    expect(lines.filter((l) => l.includes('rejected'))).toHaveLength(1);
    expect(lines[0]).toContain('rejected (bad): message one');
  });
});
