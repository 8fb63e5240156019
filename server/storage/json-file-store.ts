/**
 * The JSON-file implementation of the stores: one file per document (`JsonFileStore`), or one
 * file per key in a directory (`JsonDirStore`), each written atomically. Revisions count the
 * versions this process has read or written; only this process writes the files, so `watch`
 * never fires.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.ts';
import type { DocumentStore, KeyedStore, Revisioned, WriteResult } from './store.ts';

export interface JsonFileOptions<T> {
  /** Checks and shapes what the file holds; throws with the reason when it is not a `T`. */
  parse?: (json: unknown) => T;
  /** The file's text (default: compact JSON). */
  serialize?: (value: T) => string;
  /** Permissions of a new file (0o600 for secrets). */
  mode?: number;
}

/** A stored document's text as a `T`; the error names the store and what is wrong. */
export function parseText<T>(name: string, text: string, parse: ((json: unknown) => T) | undefined): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${name}: not valid JSON (${(e as Error).message})`);
  }
  try {
    return parse ? parse(json) : (json as T);
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message}`);
  }
}

export class JsonFileStore<T> implements DocumentStore<T> {
  private revision = 0;
  private lastText: string | null = null;
  /** Writes run one after another, so each compares with the revision the one before left. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly name: string, private readonly opts: JsonFileOptions<T> = {}) {}

  async load(): Promise<Revisioned<T> | null> {
    let text: string;
    try {
      text = await readFile(this.name, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`${this.name}: cannot read (${(e as Error).message})`);
    }
    const value = parseText(this.name, text, this.opts.parse);
    if (text !== this.lastText) this.revision++;
    this.lastText = text;
    return { value, revision: this.revision };
  }

  write(value: T, expectedRevision: number): Promise<WriteResult> {
    const run = this.queue.then(async (): Promise<WriteResult> => {
      if (expectedRevision !== this.revision) return { ok: false, conflict: true, revision: this.revision };
      const text = (this.opts.serialize ?? JSON.stringify)(value);
      await writeFileAtomic(this.name, text, this.opts.mode);
      this.lastText = text;
      return { ok: true, revision: ++this.revision };
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  watch(_onChange: (doc: Revisioned<T> | null) => void): () => void {
    return () => undefined;
  }
}

/** One JSON file per key in a directory; keys are URI-encoded into file names (`<key>.json`). */
export class JsonDirStore<T> implements KeyedStore<T> {
  private readonly revisions = new Map<string, number>();
  /** The last operation on each key: a key's writes and its delete land in the order they were asked for. */
  private readonly lastByKey = new Map<string, Promise<unknown>>();

  constructor(readonly name: string, private readonly opts: JsonFileOptions<T> = {}) {}

  private file(key: string): string {
    return join(this.name, encodeURIComponent(key) + '.json');
  }

  async loadAll(skipped: (key: string, reason: string) => void): Promise<Map<string, Revisioned<T>>> {
    const out = new Map<string, Revisioned<T>>();
    let names: string[];
    try {
      names = (await readdir(this.name)).filter((n) => n.endsWith('.json'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out;
      throw new Error(`${this.name}: cannot list (${(e as Error).message})`);
    }
    for (const n of names) {
      const key = decodeURIComponent(n.slice(0, -'.json'.length));
      try {
        const value = parseText(join(this.name, n), await readFile(join(this.name, n), 'utf8'), this.opts.parse);
        const revision = (this.revisions.get(key) ?? 0) + 1;
        this.revisions.set(key, revision);
        out.set(key, { value, revision });
      } catch (e) {
        skipped(key, (e as Error).message);
      }
    }
    return out;
  }

  put(key: string, value: T, expectedRevision: number): Promise<WriteResult> {
    return this.inOrder(key, async (): Promise<WriteResult> => {
      const revision = this.revisions.get(key) ?? 0;
      if (expectedRevision !== revision) return { ok: false, conflict: true, revision };
      await writeFileAtomic(this.file(key), (this.opts.serialize ?? JSON.stringify)(value), this.opts.mode);
      this.revisions.set(key, revision + 1);
      return { ok: true, revision: revision + 1 };
    });
  }

  delete(key: string): Promise<void> {
    return this.inOrder(key, async () => {
      this.revisions.delete(key);
      await rm(this.file(key), { force: true });
    });
  }

  watch(_onChange: (key: string, doc: Revisioned<T> | null) => void): () => void {
    return () => undefined;
  }

  private inOrder<R>(key: string, op: () => Promise<R>): Promise<R> {
    const run = (this.lastByKey.get(key) ?? Promise.resolve()).then(op, op);
    const settled = run.then(() => undefined, () => undefined);
    this.lastByKey.set(key, settled);
    void settled.then(() => {
      if (this.lastByKey.get(key) === settled) this.lastByKey.delete(key);
    });
    return run;
  }
}
