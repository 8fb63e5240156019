/**
 * Named wall layouts saved on the server (`.hallwatch/wall-layouts.json`), so a wall's bookmark
 * only needs `?layout=name&token=…`: which halls (in rotation order), colour metric, rotation
 * interval and whether a new critical incident sounds (protocol/wall.ts checks a layout). Two
 * servers sharing them (`--cluster`) follow each other's changes; saving a layout another server
 * changed meanwhile is a conflict.
 */
import type { WallLayout } from '../../protocol/wall.ts';
import { JsonFileStore } from '../storage/json-file-store.ts';
import { changedElsewhere, clashOn, removalClash, SavedDocument, type Edit } from '../storage/saved-document.ts';
import type { DocumentStore } from '../storage/store.ts';

/** What the layouts file holds. */
export interface LayoutsDocument {
  version: 1;
  layouts: WallLayout[];
}

/** Named wall layouts. */
export type LayoutStore = DocumentStore<LayoutsDocument>;

/** Checks a stored layouts document's shape; throws with the reason. */
export function parseLayouts(json: unknown): LayoutsDocument {
  if (!Array.isArray((json as Partial<LayoutsDocument> | null)?.layouts)) throw new Error('not a wall layouts file (layouts: a list is required)');
  return json as LayoutsDocument;
}

/** The layouts file (`{storage-dir}/wall-layouts.json`). */
export function layoutsFileStore(path: string): LayoutStore {
  return new JsonFileStore(path, { parse: parseLayouts, serialize: (d) => JSON.stringify(d, null, 1) });
}

/** Adds or replaces the layout of a name: a conflict when another server changed that layout meanwhile. */
export function putLayout(layout: WallLayout): Edit<LayoutsDocument> {
  return {
    apply: (doc) => ({
      version: 1,
      layouts: [...(doc?.layouts ?? []).filter((l) => l.name !== layout.name), layout].sort((a, b) => a.name.localeCompare(b.name)),
    }),
    clash: clashOn(layoutNamed(layout.name), (a, b) => changedElsewhere(`wall layout "${layout.name}"`, a, b)),
  };
}

/** Removes the layout of a name (gone already: nothing to do). */
export function removeLayout(name: string): Edit<LayoutsDocument> {
  return {
    apply: (doc) => (layoutNamed(name)(doc) ? { version: 1, layouts: doc!.layouts.filter((l) => l.name !== name) } : doc),
    clash: removalClash(`wall layout "${name}"`, layoutNamed(name)),
  };
}

const layoutNamed = (name: string) => (doc: LayoutsDocument | null) => doc?.layouts.find((l) => l.name === name);

export class WallLayouts {
  private layouts: WallLayout[] = [];
  private readonly saved: SavedDocument<LayoutsDocument>;
  private unwatch: (() => void) | null = null;

  constructor(store: LayoutStore) {
    this.saved = new SavedDocument(store);
  }

  /** Loads the saved layouts, then follows the changes another server makes to them. */
  async start(): Promise<void> {
    this.adopt(await this.saved.load());
    this.unwatch = this.saved.watch((d) => this.adopt(d));
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = null;
  }

  list(): WallLayout[] {
    return this.layouts;
  }

  get(name: string): WallLayout | undefined {
    return this.layouts.find((l) => l.name === name);
  }

  /** Adds or replaces a layout; resolves once stored, rejects with EditConflictError when another server changed it meanwhile. */
  async put(layout: WallLayout): Promise<void> {
    await this.edit(putLayout(layout));
  }

  async delete(name: string): Promise<boolean> {
    if (!this.get(name)) return false;
    await this.edit(removeLayout(name));
    return true;
  }

  private adopt(d: LayoutsDocument | null): void {
    this.layouts = d?.layouts ?? [];
  }

  private edit(e: Edit<LayoutsDocument>): Promise<void> {
    return this.saved.edit(e, () => ({ version: 1, layouts: this.layouts }), (d) => this.adopt(d));
  }
}
