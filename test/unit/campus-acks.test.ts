/**
 * The campus-scope incidents' acknowledgements, shared by a pair of campus views through one
 * stored document: the other view's acknowledgement is seen, two at once conflict naming who was
 * first, and only those an hour old of incidents no longer open are cleared.
 */
import { describe, expect, it } from 'vitest';
import { CampusAcks } from '../../server/campus/campus-acks.ts';
import type { SavedAcks } from '../../server/alerts/alert-state-store.ts';
import { createLogger } from '../../server/logger.ts';
import { EditConflictError } from '../../server/storage/store.ts';
import type { Acknowledgement } from '../../protocol/alerts.ts';
import { MemoryStore } from '../helpers/memory-store.ts';

const T0 = Date.parse('2026-12-07T10:00:00Z');
const HOUR_MS = 3_600_000;
const ack = (by: string, atMs = T0): Acknowledgement => ({ by, atMs, comment: 'on it' });
const log = createLogger('error');

async function started(store: MemoryStore<SavedAcks>) {
  const a = new CampusAcks(store, log);
  await a.start();
  return a;
}

describe('CampusAcks', () => {
  it('keeps what was stored before it started, and what the other view stores later', async () => {
    const store = new MemoryStore<SavedAcks>();
    store.other({ version: 1, acks: { 'shard:h1@1': ack('ana') } });
    const a = await started(store);
    expect(a.of('shard:h1@1')).toEqual(ack('ana'));
    store.other({ version: 1, acks: { 'shard:h1@1': ack('ana'), 'shard:h2@1': ack('ben') } }, true);
    expect(a.of('shard:h2@1')).toEqual(ack('ben'));
    expect(a.of('shard:h3@1')).toBeNull();
  });

  it('stores its own acknowledgement; one of the same incident stored by the other view first is a conflict naming who', async () => {
    const store = new MemoryStore<SavedAcks>();
    const a = await started(store);
    await a.acknowledge('shard:h1@1', ack('ana'));
    expect(store.doc?.value.acks).toEqual({ 'shard:h1@1': ack('ana') });
    store.beforeNextWrite = () => store.other({ version: 1, acks: { ...store.doc!.value.acks, 'shard:h2@1': ack('ben') } });
    const lost = await a.acknowledge('shard:h2@1', ack('cai')).catch((e: Error) => e);
    expect(lost).toBeInstanceOf(EditConflictError);
    expect((lost as Error).message).toMatch(/shard:h2@1 was acknowledged by ben/);
    expect(a.of('shard:h2@1')).toEqual(ack('ben'));
  });

  it.each<[string, Record<string, Acknowledgement>, string[], string[]]>([
    ['an hour-old one of an incident no longer open is cleared', { 'shard:h1@1': ack('ana', T0 - HOUR_MS) }, [], []],
    ['a recent one of an incident not open here is kept (the other view may be a tick ahead)', { 'shard:h1@1': ack('ana', T0 - 5000) }, [], ['shard:h1@1']],
    ['an old one of an incident still open is kept', { 'shard:h1@1': ack('ana', T0 - 2 * HOUR_MS) }, ['shard:h1@1'], ['shard:h1@1']],
  ])('clearResolved: %s', async (_name, stored, open, kept) => {
    const store = new MemoryStore<SavedAcks>();
    store.other({ version: 1, acks: stored });
    const a = await started(store);
    const writesBefore = store.writes;
    await a.clearResolved(new Set(open), T0);
    expect(store.writes - writesBefore).toBe(kept.length < Object.keys(stored).length ? 1 : 0);
    expect(Object.keys(store.doc!.value.acks)).toEqual(kept);
    expect(Object.keys(stored).map((id) => a.of(id) !== null)).toEqual(Object.keys(stored).map((id) => kept.includes(id)));
  });
});
