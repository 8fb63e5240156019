/**
 * The replicated implementation of the stores: documents and keyed documents in a JetStream
 * key-value bucket on the NATS cluster the servers share. A revision is the entry's stream
 * sequence; a write with an expected revision is the bucket's compare-and-set (0: create), so of
 * two servers writing the same revision one gets a conflict. `watch` reports what other
 * processes wrote (this store's own writes are known by their revision and skipped).
 */
import type { KV, KvEntry, MsgRequest } from 'nats';
import type { Bucket } from 'nats/lib/jetstream/kv';
import { parseText } from './json-file-store.ts';
import { keepWatching } from './kv-watch.ts';
import type { DocumentStore, KeyedStore, Revisioned, WriteResult } from './store.ts';

export interface KvStoreOptions<T> {
  /** Checks and shapes a stored value; throws with the reason when it is not a `T`. */
  parse?: (json: unknown) => T;
  /** Told how long each write took (the KV write latency metric) and whether it stored. */
  onWrite?: (ms: number, ok: boolean) => void;
  /** Told about a watched value that cannot be read (it is skipped). */
  onBadValue?: (key: string, reason: string) => void;
  /** Told when a watch stopped and is started again (see kv-watch.ts), and when it runs again. */
  onWatchTrouble?: (message: string) => void;
  /**
   * Checks each update against the key's history (see `slippedPast`); needs a bucket that keeps
   * two or more values per key. For documents two servers edit; costs one history read a write.
   */
  verifyUpdates?: boolean;
}

const WRONG_LAST_SEQUENCE = 10071;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function isConflict(e: unknown): boolean {
  return (e as { api_error?: { err_code?: number } })?.api_error?.err_code === WRONG_LAST_SEQUENCE;
}

function decode<T>(name: string, entry: KvEntry, parse: ((json: unknown) => T) | undefined): T {
  return parseText(name, decoder.decode(entry.value), parse);
}

const live = (e: KvEntry | null): e is KvEntry => e !== null && e.operation === 'PUT';

/**
 * nats-server before 2.9.21 lets two updates of one key that expect the same revision both
 * succeed on a three-node cluster (the check misses a proposal still in flight; create() is not
 * affected). The later of the two finds the key's first entry after the revision it expected is
 * not its own: that entry's value is returned, to be put back. The stream leader answers
 * (STREAM.MSG.GET with `next_by_subj`), so a replica that has not applied the other write yet
 * cannot hide it, as a history consumer placed on one could.
 */
async function slippedPast(kv: KV, key: string, revision: number, expected: number): Promise<Uint8Array | null> {
  const bucket = kv as Bucket;
  const query = { seq: expected + 1, next_by_subj: bucket.subjectForKey(key) } as unknown as MsgRequest;
  const first = await bucket.jsm.streams.getMessage(bucket.stream, query);
  if (first.seq >= revision) return null;
  const operation = first.header?.get('KV-Operation') ?? '';
  return operation === '' || operation === 'PUT' ? first.data : null;
}

/** A compare-and-set write's result, and the revision its own value got (0: none; it may have been put back over since). */
interface CasOutcome {
  result: WriteResult;
  ownRevision: number;
}

/** Compare-and-set write of one key; the conflict carries the revision stored instead. */
async function casWrite<T>(kv: KV, key: string, value: unknown, expected: number, opts: KvStoreOptions<T>): Promise<CasOutcome> {
  const t0 = performance.now();
  const data = encoder.encode(JSON.stringify(value));
  const onWrite = opts.onWrite;
  try {
    const revision = expected === 0 ? await kv.create(key, data) : await kv.update(key, data, expected);
    const lost = opts.verifyUpdates && expected > 0 ? await slippedPast(kv, key, revision, expected) : null;
    onWrite?.(performance.now() - t0, !lost);
    // The write that came first stands: its value goes back, and this one is a conflict.
    if (lost) return { result: { ok: false, conflict: true, revision: await kv.update(key, lost, revision) }, ownRevision: revision };
    return { result: { ok: true, revision }, ownRevision: revision };
  } catch (e) {
    onWrite?.(performance.now() - t0, false);
    if (!isConflict(e) && !(expected === 0 && /exists/i.test((e as Error).message))) throw e;
    const now = await kv.get(key);
    return { result: { ok: false, conflict: true, revision: live(now) ? now.revision : 0 }, ownRevision: 0 };
  }
}

export class KvDocumentStore<T> implements DocumentStore<T> {
  readonly name: string;
  /** The newest revision this process read, wrote or handed to a watch: a watched entry at or below it is not news. */
  private known = 0;
  /** Values this process is writing now, as stored: the watch may deliver one before its write returns. */
  private readonly writing = new Map<string, number>();
  /** Each watch's release of the entries it held back, run as a write returns. */
  private readonly releases = new Set<() => void>();

  constructor(private readonly kv: KV, bucket: string, private readonly key: string, private readonly opts: KvStoreOptions<T> = {}) {
    this.name = `${bucket}/${key}`;
  }

  async load(): Promise<Revisioned<T> | null> {
    let entry: KvEntry | null;
    try {
      entry = await this.kv.get(this.key);
    } catch (e) {
      throw new Error(`${this.name}: cannot read (${(e as Error).message})`);
    }
    if (!live(entry)) return null;
    this.known = Math.max(this.known, entry.revision);
    return { value: decode(this.name, entry, this.opts.parse), revision: entry.revision };
  }

  async write(value: T, expectedRevision: number): Promise<WriteResult> {
    const text = JSON.stringify(value);
    this.writing.set(text, (this.writing.get(text) ?? 0) + 1);
    try {
      const { result, ownRevision } = await casWrite(this.kv, this.key, value, expectedRevision, this.opts);
      this.known = Math.max(this.known, ownRevision);
      return result;
    } finally {
      const n = this.writing.get(text)! - 1;
      if (n === 0) this.writing.delete(text);
      else this.writing.set(text, n);
      for (const release of this.releases) release();
    }
  }

  /**
   * An entry that reads like a write of this process still running is held until that write
   * returns: it was either that write (its revision is known then, and it is skipped) or another
   * process storing the same value meanwhile — as the other of two updates that both went
   * through puts back the value of this one (`slippedPast`) — which is news, handed on.
   */
  watch(onChange: (doc: Revisioned<T> | null) => void): () => void {
    let held: KvEntry[] = [];
    const hand = (e: KvEntry) => {
      if (e.revision <= this.known) return;
      if (live(e) && this.writing.has(decoder.decode(e.value))) return void held.push(e);
      this.known = e.revision;
      if (!live(e)) return onChange(null);
      try {
        onChange({ value: decode(this.name, e, this.opts.parse), revision: e.revision });
      } catch (err) {
        this.opts.onBadValue?.(this.key, (err as Error).message);
      }
    };
    const release = () => {
      const waiting = held;
      held = [];
      waiting.forEach(hand);
    };
    this.releases.add(release);
    const kept = keepWatching(this.kv, this.key, hand, { onTrouble: this.opts.onWatchTrouble });
    return () => {
      this.releases.delete(release);
      kept.stop();
    };
  }
}

/** Keys of a keyed store become `<prefix>.<base64url(key)>`: any text is a valid key. */
export class KvKeyedStore<T> implements KeyedStore<T> {
  readonly name: string;
  private readonly known = new Map<string, number>();
  /** Keys this process deleted: their deletion, when watched, is not news. */
  private readonly deleted = new Set<string>();

  constructor(private readonly kv: KV, bucket: string, private readonly prefix: string, private readonly opts: KvStoreOptions<T> = {}) {
    this.name = `${bucket}/${prefix}.*`;
  }

  private kvKey(key: string): string {
    return `${this.prefix}.${Buffer.from(key).toString('base64url')}`;
  }

  private keyOf(kvKey: string): string {
    return Buffer.from(kvKey.slice(this.prefix.length + 1), 'base64url').toString();
  }

  async loadAll(skipped: (key: string, reason: string) => void): Promise<Map<string, Revisioned<T>>> {
    const out = new Map<string, Revisioned<T>>();
    const names: string[] = [];
    for await (const k of await this.kv.keys(`${this.prefix}.*`)) names.push(k);
    for (const k of names) {
      const key = this.keyOf(k);
      const entry = await this.kv.get(k);
      if (!live(entry)) continue;
      this.known.set(key, entry.revision);
      try {
        out.set(key, { value: decode(`${this.name} ${key}`, entry, this.opts.parse), revision: entry.revision });
      } catch (e) {
        skipped(key, (e as Error).message);
      }
    }
    return out;
  }

  async put(key: string, value: T, expectedRevision: number): Promise<WriteResult> {
    this.deleted.delete(key);
    const { result: r } = await casWrite(this.kv, this.kvKey(key), value, expectedRevision, this.opts);
    if (r.ok) this.known.set(key, r.revision);
    return r;
  }

  async delete(key: string): Promise<void> {
    this.deleted.add(key);
    await this.kv.delete(this.kvKey(key));
    this.known.delete(key);
  }

  watch(onChange: (key: string, doc: Revisioned<T> | null) => void): () => void {
    const kept = keepWatching(this.kv, `${this.prefix}.*`, (e) => {
      const key = this.keyOf(e.key);
      if (e.revision <= (this.known.get(key) ?? 0)) return;
      this.known.set(key, e.revision);
      if (!live(e) && this.deleted.delete(key)) return;
      if (!live(e)) return onChange(key, null);
      try {
        onChange(key, { value: decode(`${this.name} ${key}`, e, this.opts.parse), revision: e.revision });
      } catch (err) {
        this.opts.onBadValue?.(key, (err as Error).message);
      }
    }, { onTrouble: this.opts.onWatchTrouble });
    return kept.stop;
  }
}
