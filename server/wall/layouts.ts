/**
 * Named wall layouts saved on the server (`.hallwatch/wall-layouts.json`), so a wall's bookmark
 * only needs `?layout=name&token=…`: which halls (in rotation order), colour metric, rotation
 * interval and whether a new critical incident sounds (protocol/wall.ts checks a layout).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { WallLayout } from '../../protocol/wall.ts';

export class WallLayouts {
  private layouts: WallLayout[];

  constructor(private readonly path: string) {
    this.layouts = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')).layouts as WallLayout[]) : [];
  }

  list(): WallLayout[] {
    return this.layouts;
  }

  get(name: string): WallLayout | undefined {
    return this.layouts.find((l) => l.name === name);
  }

  put(layout: WallLayout): void {
    this.layouts = [...this.layouts.filter((l) => l.name !== layout.name), layout].sort((a, b) => a.name.localeCompare(b.name));
    this.save();
  }

  delete(name: string): boolean {
    const before = this.layouts.length;
    this.layouts = this.layouts.filter((l) => l.name !== name);
    this.save();
    return this.layouts.length < before;
  }

  private save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path + '.tmp', JSON.stringify({ version: 1, layouts: this.layouts }, null, 1));
    renameSync(this.path + '.tmp', this.path);
  }
}
