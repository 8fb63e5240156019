import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonDirStore, JsonFileStore } from '../../server/storage/json-file-store.ts';
import { SavedDocument } from '../../server/storage/saved-document.ts';
import { StoreConflictError } from '../../server/storage/store.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'hallwatch-store-'));

describe('JsonFileStore', () => {
  type Step = ['load', unknown] | ['write', number, unknown] | ['edit on disk', string];
  const wrote = (revision: number) => ({ ok: true, revision });
  const conflict = (revision: number) => ({ ok: false, conflict: true, revision });
  it.each<[string, Step[]]>([
    ['starts empty: nothing stored is revision 0', [['load', null], ['write', 0, wrote(1)], ['load', { value: 'v', revision: 1 }]]],
    ['refuses a write that expects an old revision', [['write', 0, wrote(1)], ['write', 0, conflict(1)], ['write', 1, wrote(2)]]],
    ['refuses a write that expects a revision never stored', [['write', 3, conflict(0)]]],
    ['counts a change made on disk as a new revision at the next load',
      [['write', 0, wrote(1)], ['edit on disk', '"w"'], ['load', { value: 'w', revision: 2 }], ['write', 1, conflict(2)]]],
    ['keeps the revision when a reload finds what it wrote',
      [['write', 0, wrote(1)], ['load', { value: 'v', revision: 1 }], ['load', { value: 'v', revision: 1 }]]],
  ])('%s', async (_name, steps) => {
    const path = join(tempDir(), 'doc.json');
    const store = new JsonFileStore<string>(path);
    for (const step of steps) {
      if (step[0] === 'load') expect(await store.load()).toEqual(step[1]);
      else if (step[0] === 'write') expect(await store.write('v', step[1])).toEqual(step[2]);
      else writeFileSync(path, step[1]);
    }
  });

  it.each([
    ['a truncated file', '{"users": [', /not valid JSON/],
    ['a file its parser refuses', '{"users": 3}', /users: a list is required/],
  ])('names the file when it cannot load %s', async (_n, text, reason) => {
    const path = join(tempDir(), 'users.json');
    writeFileSync(path, text);
    const store = new JsonFileStore(path, {
      parse: (j) => {
        if (!Array.isArray((j as { users?: unknown }).users)) throw new Error('users: a list is required');
        return j;
      },
    });
    const e = await store.load().then(() => null, (x: Error) => x);
    expect(e?.message).toMatch(reason);
    expect(e?.message.startsWith(`${path}: `)).toBe(true);
  });

  it('writes atomically with the file mode asked for, leaving no temporary file', async () => {
    const dir = tempDir();
    const store = new JsonFileStore<{ a: number }>(join(dir, 'secret.json'), { mode: 0o600, serialize: (v) => JSON.stringify(v, null, 1) });
    await Promise.all([store.write({ a: 1 }, 0), store.write({ a: 2 }, 1)]);
    expect(readdirSync(dir)).toEqual(['secret.json']);
    expect(JSON.parse(readFileSync(join(dir, 'secret.json'), 'utf8'))).toEqual({ a: 2 });
    expect((await import('node:fs')).statSync(join(dir, 'secret.json')).mode & 0o777).toBe(0o600);
  });

  it('never calls a watcher: only this process writes the file', async () => {
    const store = new JsonFileStore<number>(join(tempDir(), 'n.json'));
    const seen: unknown[] = [];
    const off = store.watch((d) => seen.push(d));
    await store.write(1, 0);
    off();
    expect(seen).toEqual([]);
  });
});

describe('SavedDocument', () => {
  it('folds the saves asked for before a write runs into one write of the newest value', async () => {
    const path = join(tempDir(), 'doc.json');
    const store = new JsonFileStore<number>(path);
    let writes = 0;
    const write = store.write.bind(store);
    store.write = (v, r) => (writes++, write(v, r));
    const doc = new SavedDocument(store);
    let value = 0;
    const saves = [1, 2, 3, 4].map((v) => ((value = v), doc.save(() => value)));
    await Promise.all(saves);
    expect([writes, JSON.parse(readFileSync(path, 'utf8'))]).toEqual([1, 4]);
    await doc.save(() => 5);
    expect([writes, JSON.parse(readFileSync(path, 'utf8'))]).toEqual([2, 5]);
  });

  it('rejects a save when the document changed elsewhere since it was loaded', async () => {
    const path = join(tempDir(), 'doc.json');
    const store = new JsonFileStore<number>(path);
    const doc = new SavedDocument(store);
    expect(await doc.load()).toBeNull();
    await store.write(7, 0);
    await expect(doc.save(() => 8)).rejects.toBeInstanceOf(StoreConflictError);
    expect(await doc.load()).toBe(7);
    await doc.save(() => 8);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toBe(8);
  });
});

describe('JsonDirStore', () => {
  it('keeps one file per key, loads them back, and skips an unreadable one by name', async () => {
    const dir = join(tempDir(), 'outbox');
    const store = new JsonDirStore<{ n: number }>(dir);
    expect((await store.loadAll(() => undefined)).size).toBe(0);
    expect(await store.put('a/b:c', { n: 1 }, 0)).toEqual({ ok: true, revision: 1 });
    expect(await store.put('a/b:c', { n: 2 }, 0)).toEqual({ ok: false, conflict: true, revision: 1 });
    await store.put('d', { n: 3 }, 0);
    writeFileSync(join(dir, 'broken.json'), '{');
    const skipped: string[] = [];
    const again = await new JsonDirStore<{ n: number }>(dir).loadAll((key) => skipped.push(key));
    expect([...again].map(([k, d]) => [k, d.value.n]).sort()).toEqual([['a/b:c', 1], ['d', 3]]);
    expect(skipped).toEqual(['broken']);
  });

  it('applies a put and a delete of one key in the order asked, so a delivery done at once leaves no file', async () => {
    const dir = join(tempDir(), 'outbox');
    const store = new JsonDirStore<number>(dir);
    await Promise.all([store.put('k', 1, 0), store.delete('k')]);
    expect(readdirSync(dir)).toEqual([]);
  });
});
