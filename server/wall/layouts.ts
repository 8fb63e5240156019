/**
 * Named wall layouts saved on the server (`.hallwatch/wall-layouts.json`), so a wall's bookmark
 * only needs `?layout=name&token=…`: which halls (in rotation order), colour metric, rotation
 * interval and whether a new critical incident sounds. Validation is pure and names the field.
 */
import { JsonFileStore } from '../storage/json-file-store.ts';
import { SavedDocument } from '../storage/saved-document.ts';
import type { DocumentStore } from '../storage/store.ts';
import { fail, ok, type Result } from '../../protocol/result.ts';

/** The dashboard's heat-map metric IDs (web/src/lib/metrics.ts). */
export const WALL_METRICS = ['return', 'dt', 'power', 'headroom', 'flow', 'cdu'] as const;

export interface WallLayout {
  name: string;
  /** Hall IDs in rotation order; empty = every hall. */
  halls: string[];
  /** Halls shown side by side on one screen (1–4; 0 = as many as fit without shrinking). */
  hallsPerScreen: number;
  metric: (typeof WALL_METRICS)[number];
  /** Seconds per screen; 0 = no rotation. */
  rotateS: number;
  sound: boolean;
}

export const LAYOUT_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

export function parseWallLayout(name: string, body: unknown, hallIds: string[]): Result<WallLayout, 'invalid_layout'> {
  const bad = (m: string) => fail('invalid_layout' as const, m);
  if (!LAYOUT_NAME.test(name)) return bad('name: lower-case letters, digits and dashes, at most 40');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return bad('body: a JSON object is required');
  const b = body as Record<string, unknown>;
  const halls = b.halls ?? [];
  if (!Array.isArray(halls) || !halls.every((h) => typeof h === 'string')) return bad('halls: a list of hall IDs is required');
  const unknown = (halls as string[]).find((h) => !hallIds.includes(h));
  if (unknown !== undefined) return bad(`halls: no hall "${unknown}" in this site (${hallIds.join(', ')})`);
  const perScreen = b.hallsPerScreen ?? 0;
  if (!Number.isInteger(perScreen) || (perScreen as number) < 0 || (perScreen as number) > 4) return bad('hallsPerScreen: 1 to 4, or 0 for as many as fit');
  const metric = b.metric ?? 'return';
  if (!WALL_METRICS.includes(metric as WallLayout['metric'])) return bad(`metric: one of ${WALL_METRICS.join(', ')} is required`);
  const rotateS = b.rotateS ?? 30;
  if (!Number.isInteger(rotateS) || (rotateS as number) < 0 || (rotateS as number) > 3600 || ((rotateS as number) > 0 && (rotateS as number) < 5)) return bad('rotateS: 0 (no rotation) or 5 to 3600 seconds');
  const sound = b.sound ?? false;
  if (typeof sound !== 'boolean') return bad('sound: true or false');
  return ok({ name, halls: halls as string[], hallsPerScreen: perScreen as number, metric: metric as WallLayout['metric'], rotateS: rotateS as number, sound });
}

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
