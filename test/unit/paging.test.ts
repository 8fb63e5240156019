import { describe, expect, it } from 'vitest';
import { pageFor, type PagingFacts } from '../../server/alerts/paging.ts';
import type { Notified } from '../../server/alerts/alert-state-store.ts';

const NOW = 1_000_000;
const REPEAT_MS = 3_600_000;
const facts = (over: Partial<PagingFacts> = {}): PagingFacts => ({
  startedMs: NOW - 5000, severity: 'major', silenced: false, notifying: false, repeating: false, nowMs: NOW, repeatMs: () => REPEAT_MS, ...over,
});
const ack = { by: 'ops', atMs: NOW - 1000, comment: 'on it' };
const paged: Notified = { startedMs: NOW - 5000, firingSent: true, lastSentMs: NOW - 60_000, sentSeverity: 'major' };

describe('pageFor() decides when an open incident pages', () => {
  it.each<[string, Notified | undefined, Partial<PagingFacts>, { send: string | null; escalation: boolean; changed: boolean; next: Partial<Notified> }]>([
    ['a new incident whose alert notifies pages firing', undefined, { notifying: true },
      { send: 'firing', escalation: false, changed: true, next: { firingSent: true, lastSentMs: NOW, sentSeverity: 'major' } }],
    ['a new incident whose alerts do not notify is recorded, not paged', undefined, {},
      { send: null, escalation: false, changed: true, next: { firingSent: false } }],
    ['a new incident under a silence is recorded as muted', undefined, { notifying: true, silenced: true },
      { send: null, escalation: false, changed: true, next: { firingSent: false } }],
    ['a worse alert joining pages again, with the severity in the page', paged, { severity: 'critical' },
      { send: 'firing', escalation: true, changed: true, next: { sentSeverity: 'critical', lastSentMs: NOW } }],
    ['escalation keeps the acknowledgement', { ...paged, ack }, { severity: 'critical' },
      { send: 'firing', escalation: true, changed: true, next: { ack, sentSeverity: 'critical' } }],
    ['a milder severity pages nothing', { ...paged, sentSeverity: 'critical' }, { severity: 'major' },
      { send: null, escalation: false, changed: false, next: { sentSeverity: 'critical' } }],
    ['muted at its start, the silence now over: pages firing', { startedMs: NOW - 5000, firingSent: false }, {},
      { send: 'firing', escalation: false, changed: true, next: { firingSent: true, lastSentMs: NOW } }],
    ['muted at its start and acknowledged since: stays quiet', { startedMs: NOW - 5000, firingSent: false, ack }, {},
      { send: null, escalation: false, changed: false, next: { firingSent: false } }],
    ['still silenced: nothing, even when worse', paged, { silenced: true, severity: 'critical', repeating: true, nowMs: NOW + REPEAT_MS },
      { send: null, escalation: false, changed: false, next: { sentSeverity: 'major' } }],
    ['a repeat once its interval has passed since the last page', paged, { repeating: true, nowMs: NOW - 60_000 + REPEAT_MS },
      { send: 'repeat', escalation: false, changed: false, next: { lastSentMs: NOW - 60_000 + REPEAT_MS } }],
    ['no repeat before its interval', paged, { repeating: true },
      { send: null, escalation: false, changed: false, next: { lastSentMs: NOW - 60_000 } }],
    ['no repeat once acknowledged', { ...paged, ack }, { repeating: true, nowMs: NOW + REPEAT_MS },
      { send: null, escalation: false, changed: false, next: { ack } }],
  ])('%s', (_what, seen, over, want) => {
    const page = pageFor(seen, facts(over));
    const { send, escalation, changed } = page;
    expect({ send, escalation, changed }).toEqual({ send: want.send, escalation: want.escalation, changed: want.changed });
    expect(page.next).toMatchObject(want.next);
  });

  it('asks for the repeat interval only when a repeat could be due', () => {
    let asked = 0;
    const repeatMs = () => (asked++, REPEAT_MS);
    pageFor(paged, facts({ repeatMs }));
    pageFor({ ...paged, ack }, facts({ repeating: true, repeatMs }));
    expect(asked).toBe(0);
    pageFor(paged, facts({ repeating: true, repeatMs }));
    expect(asked).toBe(1);
  });
});
