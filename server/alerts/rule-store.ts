/** The alert rules file (`--alert-rules`), checked by `parseRules` whenever it is read or replaced. */
import type { Logger } from '../logger.ts';
import { JsonFileStore } from '../storage/json-file-store.ts';
import { SavedDocument } from '../storage/saved-document.ts';
import type { DocumentStore } from '../storage/store.ts';
import { parseRules, type Rule } from './rules.ts';

/** The rules as written (an operator's file, kept as they wrote it). */
export type RuleStore = DocumentStore<unknown>;

/** The rules file, written back indented as people edit it. */
export function rulesFileStore(path: string): RuleStore {
  return new JsonFileStore<unknown>(path, { serialize: (json) => JSON.stringify(json, null, 2) + '\n' });
}

/** The rules a stored document holds; throws `alert rules <where>: <reason>` when there are none or they are not valid. */
async function loadRules(doc: SavedDocument<unknown>): Promise<Rule[]> {
  const store = doc.store;
  let json: unknown;
  try {
    json = await doc.load();
    if (json === null) throw new Error('no such file');
  } catch (e) {
    throw new Error(`alert rules ${store.name}: ${(e as Error).message.replace(`${store.name}: `, '')}`);
  }
  const r = parseRules(json);
  if (!r.ok) throw new Error(`alert rules ${store.name}: ${r.message}`);
  return r.value;
}

/** The stored rules and the evaluator they apply to: loaded at start, reloaded on SIGHUP, replaced by the admin API. */
export class AlertRules {
  private readonly doc: SavedDocument<unknown>;

  constructor(
    store: RuleStore,
    private readonly apply: (rules: Rule[]) => void,
    private readonly log: Logger,
  ) {
    this.doc = new SavedDocument(store);
  }

  /** Loads and applies the rules; throws when they are missing or not valid. */
  async start(): Promise<void> {
    this.apply(await loadRules(this.doc));
  }

  /** Re-reads the rules; bad ones are reported (and returned) and the old rules stay. */
  async reload(): Promise<string | null> {
    try {
      this.apply(await loadRules(this.doc));
      this.log.info(`alerts: rules reloaded from ${this.doc.store.name}`);
      return null;
    } catch (e) {
      this.log.error(`${(e as Error).message} — keeping the previous rules`);
      return (e as Error).message;
    }
  }

  /** The rules as stored. */
  async stored(): Promise<unknown> {
    return this.doc.load();
  }

  /** Validates, stores and applies new rules; the reason when refused. */
  async replace(json: unknown, by: string): Promise<string | null> {
    const r = parseRules(json);
    if (!r.ok) return r.message;
    await this.doc.save(() => json);
    this.apply(r.value);
    this.log.info(`alerts: rules replaced by ${by} (${r.value.length} rules)`);
    return null;
  }
}
