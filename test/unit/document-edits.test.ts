/**
 * Operators' changes as edits of one object of a shared document: made again on the newest
 * document when another server wrote it meanwhile, a conflict naming the object when that server
 * changed the same one, a 503-kind failure when the store cannot be reached; the messages of each
 * edit; and a fresh document seeded from a file.
 */
import { describe, expect, it } from 'vitest';
import { SavedDocument, type Edit } from '../../server/storage/saved-document.ts';
import { EditConflictError, StoreUnavailableError } from '../../server/storage/store.ts';
import { MemoryStore } from '../helpers/memory-store.ts';
import { SeededStore } from '../../server/storage/seeded-store.ts';
import { putLayout, removeLayout, type LayoutsDocument } from '../../server/wall/layouts.ts';
import { acknowledge, addSilence, clearAcks, pruneSilences, removeSilence } from '../../server/alerts/mark-edits.ts';
import { putUser, removeUser, revokeDisplayToken, withSecrets } from '../../server/auth/user-edits.ts';
import type { SavedAcks, SavedSilences } from '../../server/alerts/alert-state-store.ts';
import type { UsersDocument } from '../../server/auth/user-store.ts';
import type { Silence } from '../../protocol/alerts.ts';
import type { WallLayout } from '../../protocol/wall.ts';

const layout = (name: string, rotateS: number): WallLayout => ({ name, halls: [], hallsPerScreen: 0, metric: 'return', rotateS, sound: false });
const layouts = (...l: WallLayout[]): LayoutsDocument => ({ version: 1, layouts: l });

/** A service holding the layouts document as SavedDocument hands it over. */
async function layoutService(stored: LayoutsDocument) {
  const store = new MemoryStore<LayoutsDocument>();
  store.other(stored);
  const saved = new SavedDocument(store);
  let held = await saved.load();
  const edit = (e: Edit<LayoutsDocument>) => saved.edit(e, () => held, (d) => (held = d));
  return { store, edit, held: () => held };
}

describe('SavedDocument.edit()', () => {
  it.each<[string, LayoutsDocument | null, Edit<LayoutsDocument>, LayoutsDocument]>([
    ['nobody else wrote: stored as made', null, putLayout(layout('noc', 10)), layouts(layout('a', 1), layout('noc', 10))],
    ['another server saved another layout: made again on it, both kept', layouts(layout('a', 1), layout('b', 2)), putLayout(layout('noc', 10)),
      layouts(layout('a', 1), layout('b', 2), layout('noc', 10))],
    ['another server removed another layout: made again on it', layouts(), removeLayout('a'), layouts()],
  ])('%s', async (_name, meanwhile, edit, want) => {
    const s = await layoutService(layouts(layout('a', 1)));
    if (meanwhile) s.store.beforeNextWrite = () => s.store.other(meanwhile);
    await s.edit(edit);
    expect(s.store.doc!.value).toEqual(want);
    expect(s.held()).toEqual(want);
  });

  it('refuses the change, naming the object, when another server changed that same object meanwhile, and takes what it stored', async () => {
    const s = await layoutService(layouts(layout('noc', 10)));
    s.store.beforeNextWrite = () => s.store.other(layouts(layout('noc', 30)));
    const err = await s.edit(putLayout(layout('noc', 20))).catch((e: Error) => e);
    expect(err).toBeInstanceOf(EditConflictError);
    expect((err as Error).message).toBe('wall layout "noc" was changed on another server meanwhile; reload and try again');
    expect([s.store.doc!.value, s.held()]).toEqual([layouts(layout('noc', 30)), layouts(layout('noc', 30))]);
  });

  it('answers "unavailable" when the store cannot be reached, keeping what it held', async () => {
    const s = await layoutService(layouts(layout('a', 1)));
    s.store.failing = true;
    const err = await s.edit(putLayout(layout('noc', 20))).catch((e: Error) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toBe('memory/doc: the change could not be stored (TIMEOUT)');
    expect(s.held()).toEqual(layouts(layout('a', 1)));
    s.store.failing = false;
    await s.edit(putLayout(layout('noc', 20)));
    expect(s.store.doc!.value).toEqual(layouts(layout('a', 1), layout('noc', 20)));
  });

  it('writes nothing when the change is made already (a layout removed on both servers)', async () => {
    const s = await layoutService(layouts(layout('a', 1)));
    s.store.beforeNextWrite = () => s.store.other(layouts());
    await s.edit(removeLayout('a'));
    expect([s.store.writes, s.held()]).toEqual([0, layouts()]);
  });

  it('gives up, saying so, when the document changes under every attempt', async () => {
    const s = await layoutService(layouts());
    let n = 0;
    const keepWriting = () => {
      s.store.other(layouts(layout(`x${n++}`, 5)));
      s.store.beforeNextWrite = keepWriting;
    };
    s.store.beforeNextWrite = keepWriting;
    await expect(s.edit(putLayout(layout('noc', 10)))).rejects.toThrow('memory/doc kept changing on another server; try again');
  });

  it('runs edits one after another, each on what the one before stored', async () => {
    const s = await layoutService(layouts());
    await Promise.all([s.edit(putLayout(layout('a', 1))), s.edit(putLayout(layout('b', 2))), s.edit(removeLayout('a'))]);
    expect([s.store.writes, s.store.doc!.value]).toEqual([3, layouts(layout('b', 2))]);
  });
});

describe('the edits and their conflicts', () => {
  const ack = (by: string, comment: string) => ({ by, atMs: Date.parse('2026-05-01T10:00:00Z'), comment });
  const acks = (a: SavedAcks['acks']): SavedAcks => ({ version: 1, acks: a });
  const silence = (id: string, endsMs = Date.parse('2026-05-02T00:00:00Z')): Silence =>
    ({ id, matcher: 'hall:hall-1', startsMs: 0, endsMs, comment: 'works', by: 'fm', createdMs: 0 });
  const silences = (...s: Silence[]): SavedSilences => ({ version: 1, silences: s });
  const user = (name: string, passwordHash: string) => ({ name, role: 'operator' as const, passwordHash });
  const users = (...u: ReturnType<typeof user>[]): UsersDocument => ({ version: 1, sessionSecret: 's', users: u, tokens: [], displaySecret: 'd', displayTokens: [] });

  it.each<[string, Edit<any>, unknown, unknown, string | null]>([
    ['an acknowledgement of an incident acknowledged elsewhere meanwhile', acknowledge('group:h1-r01', ack('ana', 'mine')),
      acks({}), acks({ 'group:h1-r01': ack('bo', 'on it') }),
      'incident group:h1-r01 was acknowledged by bo on another server at 2026-05-01T10:00:00.000Z: "on it"'],
    ['an acknowledgement of an incident whose acknowledgement was cleared meanwhile', acknowledge('group:h1-r01', ack('ana', 'again')),
      acks({ 'group:h1-r01': ack('bo', 'on it') }), acks({}),
      'the acknowledgement of incident group:h1-r01 was cleared on another server meanwhile (the incident resolved)'],
    ['an acknowledgement while another incident was acknowledged', acknowledge('group:h1-r01', ack('ana', 'mine')),
      acks({}), acks({ 'group:h1-r02': ack('bo', 'on it') }), null],
    ['a new silence', addSilence(silence('s2')), silences(), silences(silence('s1')), null],
    ['removing a silence removed elsewhere', removeSilence('s1'), silences(silence('s1')), silences(), null],
    ['a user changed elsewhere', putUser(user('olga', 'new')), users(user('olga', 'old')), users(user('olga', 'other')),
      'user "olga" was changed on another server meanwhile; reload and try again'],
    ['a user created elsewhere', putUser(user('olga', 'mine')), users(), users(user('olga', 'theirs')),
      'user "olga" was created on another server meanwhile; reload and try again'],
    ['deleting a user deleted elsewhere', removeUser('olga'), users(user('olga', 'x')), users(), null],
    ['deleting a user changed elsewhere', removeUser('olga'), users(user('olga', 'x')), users(user('olga', 'y')),
      'user "olga" was changed on another server meanwhile; reload and try again'],
    ['a layout deleted elsewhere while it was being saved', putLayout(layout('noc', 1)), layouts(layout('noc', 5)), layouts(),
      'wall layout "noc" was deleted on another server meanwhile; reload and try again'],
  ])('%s: %s', (_name, edit, base, latest, clash) => {
    expect(edit.clash(base, latest)).toBe(clash);
  });

  it('clears the acknowledgements of incidents resolved here, and lone ones a day old, keeping the rest', () => {
    const now = Date.parse('2026-05-03T10:00:00Z');
    const fresh = ack('ana', 'x');
    const doc = acks({ resolved: { ...fresh, atMs: now }, open: { ...fresh, atMs: now - 3 * 86_400_000 }, elsewhere: { ...fresh, atMs: now - 3_600_000 }, old: fresh });
    const open = (id: string) => id === 'open';
    expect(Object.keys(clearAcks(new Set(['resolved']), open, now).apply(doc)!.acks)).toEqual(['open', 'elsewhere']);
    const none = acks({ open: fresh });
    expect(clearAcks(new Set(), open, now).apply(none)).toBe(none);
  });

  it('drops silences a day after they end, and leaves the document alone when none did', () => {
    const now = Date.parse('2026-05-04T00:00:00Z');
    const doc = silences(silence('ended', now - 86_400_001), silence('recent', now - 1000), silence('running', now + 1000));
    expect(pruneSilences(now).apply(doc)!.silences.map((s) => s.id)).toEqual(['recent', 'running']);
    const kept = silences(silence('running', now + 1000));
    expect(pruneSilences(now).apply(kept)).toBe(kept);
  });

  it('creates the signing secrets once: a second server starting finds them and writes nothing', () => {
    let n = 0;
    const made = withSecrets(() => `secret-${n++}`).apply(null)!;
    expect(made).toEqual({ version: 1, sessionSecret: 'secret-0', users: [], tokens: [], displaySecret: 'secret-1', displayTokens: [] });
    expect(withSecrets(() => 'other').apply(made)).toBe(made);
    const beforeWalls = { version: 1 as const, sessionSecret: 'old', users: [], tokens: [] };
    expect(withSecrets(() => 'new').apply(beforeWalls)).toEqual({ ...beforeWalls, displaySecret: 'new', displayTokens: [] });
  });

  it('revokes a display token once; revoking it again changes nothing', () => {
    const doc: UsersDocument = { ...users(), displayTokens: [{ id: 't1', name: 'wall', createdMs: 0, expiresMs: 0, createdBy: 'ana' }] };
    const revoked = revokeDisplayToken('t1', 5).apply(doc)!;
    expect(revoked.displayTokens![0].revokedMs).toBe(5);
    expect(revokeDisplayToken('t1', 9).apply(revoked)).toBe(revoked);
  });
});

describe('SeededStore', () => {
  const seeded = (primary: MemoryStore<unknown>, seed: MemoryStore<unknown>, copied: string[] = []) =>
    new SeededStore<unknown>(primary, seed, (v) => ((v as { ok?: boolean }).ok ? null : 'not valid'), (from) => copied.push(from));

  it.each<[string, unknown, unknown, unknown, string[]]>([
    ['copies the seed into an empty store', null, { ok: true, n: 1 }, { ok: true, n: 1 }, ['memory/doc']],
    ['keeps what the store holds', { ok: true, n: 2 }, { ok: true, n: 1 }, { ok: true, n: 2 }, []],
  ])('%s', async (_name, stored, seedValue, want, copied) => {
    const primary = new MemoryStore<unknown>();
    if (stored) primary.other(stored);
    const seed = new MemoryStore<unknown>();
    seed.other(seedValue);
    const seen: string[] = [];
    expect((await seeded(primary, seed, seen).load())?.value).toEqual(want);
    expect([primary.doc?.value, seen]).toEqual([want, copied]);
  });

  it('takes what another server seeded first', async () => {
    const primary = new MemoryStore<unknown>();
    primary.beforeNextWrite = () => primary.other({ ok: true, by: 'other server' });
    const seed = new MemoryStore<unknown>();
    seed.other({ ok: true, by: 'this one' });
    expect((await seeded(primary, seed).load())?.value).toEqual({ ok: true, by: 'other server' });
  });

  it.each([
    ['a seed that is not valid', { ok: false }, 'nothing stored yet, and memory/doc cannot start it: not valid'],
    ['no seed', null, 'nothing stored yet, and nothing to start from in memory/doc'],
  ])('refuses to start from %s, storing nothing', async (_name, seedValue, message) => {
    const primary = new MemoryStore<unknown>();
    const seed = new MemoryStore<unknown>();
    if (seedValue) seed.other(seedValue);
    await expect(seeded(primary, seed).load()).rejects.toThrow(message);
    expect(primary.doc).toBeNull();
  });
});
