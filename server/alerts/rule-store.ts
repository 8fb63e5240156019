/** The alert rules file (`--alert-rules`), checked by `parseRules` whenever it is read or replaced. */
import type { Logger } from '../logger.ts';
import { JsonFileStore } from '../storage/json-file-store.ts';
import { SavedDocument, type Edit } from '../storage/saved-document.ts';
import { sameJson } from '../storage/canonical-json.ts';
import type { DocumentStore } from '../storage/store.ts';
import { parseRules, type Rule } from './rules.ts';

/** The rules as written (an operator's file, kept as they wrote it). */
export type RuleStore = DocumentStore<unknown>;

/** The rules file, written back indented as people edit it. */
export function rulesFileStore(path: string): RuleStore {
  return new JsonFileStore<unknown>(path, { serialize: (json) => JSON.stringify(json, null, 2) + '\n' });
}

/** The rules `json` holds; throws `alert rules <where>: <reason>` when they are not valid. */
function rulesIn(json: unknown, where: string): Rule[] {
  const r = parseRules(json);
  if (!r.ok) throw new Error(`alert rules ${where}: ${r.message}`);
  return r.value;
}

/** Reads a rules document with `load`; throws `alert rules <name>: <reason>` when there is none or it cannot be read. */
async function read(load: () => Promise<unknown>, name: string): Promise<unknown> {
  try {
    const json = await load();
    if (json === null) throw new Error('no such file');
    return json;
  } catch (e) {
    throw new Error(`alert rules ${name}: ${(e as Error).message.replace(`${name}: `, '')}`);
  }
}

/**
 * The rules as a whole: replacing them is a conflict when another server replaced them at the
 * same time (they are one operator's file, not objects to merge).
 */
function replaceRules(json: unknown): Edit<unknown> {
  return {
    apply: () => json,
    clash: (base, latest) => (sameJson(base, latest) ? null : 'the alert rules were replaced on another server at the same time; read them again and make your change on those'),
  };
}

/**
 * The stored rules and the evaluator they apply to: loaded at start, reloaded on SIGHUP, replaced
 * by the admin API; rules another server stored (`--cluster`) are applied as they arrive.
 */
export class AlertRules {
  private readonly doc: SavedDocument<unknown>;
  /** The rules document as last read or stored. */
  private current: unknown = null;
  private unwatch: (() => void) | null = null;

  constructor(
    store: RuleStore,
    private readonly apply: (rules: Rule[]) => void,
    private readonly log: Logger,
  ) {
    this.doc = new SavedDocument(store);
  }

  /** Loads and applies the rules (throws when they are missing or not valid), then follows other servers' changes. */
  async start(): Promise<void> {
    this.current = await read(() => this.doc.load(), this.doc.store.name);
    this.apply(rulesIn(this.current, this.doc.store.name));
    this.unwatch = this.doc.watch((json) => this.adopt(json, 'another server'));
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = null;
  }

  /** Applies rules stored elsewhere; bad ones are reported and the old rules stay. */
  private adopt(json: unknown, from: string): void {
    if (json === null) return;
    this.current = json;
    try {
      const rules = rulesIn(json, this.doc.store.name);
      this.apply(rules);
      this.log.info(`alerts: rules replaced by ${from} (${rules.length} rules)`);
    } catch (e) {
      this.log.error(`${(e as Error).message} — keeping the previous rules`);
    }
  }

  /** Re-reads the rules; bad ones are reported (and returned) and the old rules stay. */
  async reload(): Promise<string | null> {
    try {
      const json = await read(() => this.doc.load(), this.doc.store.name);
      this.apply(rulesIn(json, this.doc.store.name));
      this.current = json;
      this.log.info(`alerts: rules reloaded from ${this.doc.store.name}`);
      return null;
    } catch (e) {
      this.log.error(`${(e as Error).message} — keeping the previous rules`);
      return (e as Error).message;
    }
  }

  /** Stores the rules of `file` as the rules (SIGHUP with `--cluster`: both servers apply them); the reason when refused. */
  async replaceFrom(file: RuleStore): Promise<string | null> {
    try {
      return await this.replace(await read(async () => (await file.load())?.value ?? null, file.name), `the rules file ${file.name}`);
    } catch (e) {
      this.log.error(`${(e as Error).message} — keeping the previous rules`);
      return (e as Error).message;
    }
  }

  /** The rules as stored (read past this server's handle: what it follows is not touched). */
  async stored(): Promise<unknown> {
    return (await this.doc.store.load())?.value ?? null;
  }

  /**
   * Validates, stores and applies new rules; the reason when refused. Rejects with
   * EditConflictError when another server replaced the rules while this was storing them.
   */
  async replace(json: unknown, by: string): Promise<string | null> {
    const r = parseRules(json);
    if (!r.ok) return r.message;
    // What replaced them since (another server, the file edited by hand) is what these replace.
    const before = await this.doc.load();
    if (!sameJson(before, this.current)) this.adopt(before, this.doc.store.name);
    await this.doc.edit(replaceRules(json), () => this.current, (d) => (this.current = d));
    this.apply(r.value);
    this.log.info(`alerts: rules replaced by ${by} (${r.value.length} rules)`);
    return null;
  }
}
