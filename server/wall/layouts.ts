/**
 * Named wall layouts saved on the server (`.hallwatch/wall-layouts.json`), so a wall's bookmark
 * only needs `?layout=name&token=…`: which halls (in rotation order), colour metric, rotation
 * interval and whether a new critical incident sounds (protocol/wall.ts checks a layout).
 */
import type { WallLayout } from '../../protocol/wall.ts';
import { JsonFileStore } from '../storage/json-file-store.ts';
import { SavedDocument } from '../storage/saved-document.ts';
import type { DocumentStore } from '../storage/store.ts';

/** What the layouts file holds. */
export interface LayoutsDocument {
  version: 1;
  layouts: WallLayout[];
}

/** Named wall layouts. */
export type LayoutStore = DocumentStore<LayoutsDocument>;

/** The layouts file (`{storage-dir}/wall-layouts.json`). */
export function layoutsFileStore(path: string): LayoutStore {
  return new JsonFileStore(path, {
    parse: (j) => {
      if (!Array.isArray((j as Partial<LayoutsDocument> | null)?.layouts)) throw new Error('not a wall layouts file (layouts: a list is required)');
      return j as LayoutsDocument;
    },
    serialize: (d) => JSON.stringify(d, null, 1),
  });
}

export class WallLayouts {
  private layouts: WallLayout[] = [];
  private readonly saved: SavedDocument<LayoutsDocument>;

  constructor(store: LayoutStore) {
    this.saved = new SavedDocument(store);
  }

  /** Loads the saved layouts. */
  async start(): Promise<void> {
    this.layouts = (await this.saved.load())?.layouts ?? [];
  }

  list(): WallLayout[] {
    return this.layouts;
  }

  get(name: string): WallLayout | undefined {
    return this.layouts.find((l) => l.name === name);
  }

  /** Adds or replaces a layout; resolves once stored. */
  async put(layout: WallLayout): Promise<void> {
    this.layouts = [...this.layouts.filter((l) => l.name !== layout.name), layout].sort((a, b) => a.name.localeCompare(b.name));
    await this.save();
  }

  async delete(name: string): Promise<boolean> {
    const before = this.layouts.length;
    this.layouts = this.layouts.filter((l) => l.name !== name);
    await this.save();
    return this.layouts.length < before;
  }

  private save(): Promise<void> {
    return this.saved.save(() => ({ version: 1, layouts: this.layouts }));
  }
}
