/**
 * The kept picture of a hall's rack tiles, CDU boxes and brackets, at device resolution, as the
 * heat map shows them at its present zoom and pan. A paint tells it each tile's colour; it
 * repaints only the tiles whose colour changed since the last paint, and the heat map copies it
 * onto the screen in one drawImage. A new zoom or pan starts it blank (only the tiles on screen
 * are painted then).
 *
 * Every tile is snapped to whole device pixels and painted inside its own pixel box, so a tile
 * repainted alone leaves its neighbours' pixels exactly as a full repaint would. Once tiles are
 * large enough on screen (mark-plan's nameFontPx), each carries its name, written inside its box
 * with the tile: a name costs a fillText only when its tile is repainted. Unzoomed, the row
 * labels are kept in it too.
 */
import type { HallLayout } from './hall-layout.ts';
import { inkOn, nameFontPx } from './mark-plan.ts';
import { drawRowLabels } from './draw-labels.ts';

type Ctx = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** A canvas off the page (an OffscreenCanvas where the browser has one) and its 2D context. */
function offscreen(w: number, h: number): { canvas: HTMLCanvasElement | OffscreenCanvas; ctx: Ctx } {
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(w, h) : Object.assign(document.createElement('canvas'), { width: w, height: h });
  return { canvas, ctx: canvas.getContext('2d') as Ctx };
}

/** [x0, y0, x1, y1) in device pixels per tile. */
type Boxes = Int32Array;

/**
 * Where the layer's world goes on screen: screen = world × scale + (x, y), CSS px, in a view of
 * `w` × `h` CSS px (the heat map's zoom; unzoomed, scale 1 and the layout's own size).
 */
export interface LayerView {
  scale: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

export const CDU_OUTLINE = '#e6edf3';
export const BRACKET = '#5c6b7a';

export class HallLayer {
  canvas: HTMLCanvasElement | OffscreenCanvas | null = null;
  private ctx: Ctx | null = null;
  private layout: HallLayout | null = null;
  private dpr = 0;
  private view: LayerView = { scale: 1, x: 0, y: 0, w: 0, h: 0 };
  private rackBoxes: Boxes = new Int32Array(0);
  private cduBoxes: Boxes = new Int32Array(0);
  /** Colour index each tile is painted in (−1: not yet). */
  private rackPainted = new Int16Array(0);
  private cduPainted = new Int16Array(0);
  private rackWanted = new Int16Array(0);
  private cduWanted = new Int16Array(0);
  /** Tiles repainted by the last `flush` (racks + CDUs). */
  repainted = 0;
  /** Font of the names in device px at the present view (0: tiles too small for names). */
  private namePx = 0;
  /** Width of each name in device px at `namePx` (names repeat from row to row). */
  private nameW = new Map<string, number>();

  /**
   * Readies the layer for `layout` at `dpr` seen through `view` (default: unzoomed, the layout's
   * size): a new layout, ratio, zoom or pan starts blank, every tile on screen painted on the next flush.
   */
  prepare(layout: HallLayout, dpr: number, view: LayerView = { scale: 1, x: 0, y: 0, w: layout.width, h: layout.height }): void {
    const v = this.view;
    const sameView = v.scale === view.scale && v.x === view.x && v.y === view.y && v.w === view.w && v.h === view.h;
    if (layout === this.layout && dpr === this.dpr && this.ctx && sameView) return;
    const w = Math.max(1, Math.round(view.w * dpr));
    const h = Math.max(1, Math.round(view.h * dpr));
    if (!this.canvas || this.canvas.width !== w || this.canvas.height !== h) {
      ({ canvas: this.canvas, ctx: this.ctx } = offscreen(w, h));
    }
    const ctx = this.ctx!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    this.layout = layout;
    this.dpr = dpr;
    this.view = { ...view };
    // World → device pixels on the layer.
    const k = view.scale * dpr;
    const X = (x: number) => Math.round(x * k + view.x * dpr);
    const Y = (y: number) => Math.round(y * k + view.y * dpr);
    this.rackBoxes = snapAll(layout.racks.map((r) => r.rect), X, Y);
    this.cduBoxes = snapAll(layout.cdus.map((c) => c.rect), X, Y);
    this.rackPainted = new Int16Array(layout.racks.length).fill(-1);
    this.cduPainted = new Int16Array(layout.cdus.length).fill(-1);
    this.rackWanted = new Int16Array(layout.racks.length);
    this.cduWanted = new Int16Array(layout.cdus.length);
    const fontPx = nameFontPx((layout.cellW - layout.grid.gap) * view.scale, layout.cellH * view.scale);
    this.namePx = fontPx === null ? 0 : Math.round(fontPx * dpr);
    this.nameW.clear();
    // Brackets never change colour: painted once, kept clear of the rack tiles above them.
    ctx.fillStyle = BRACKET;
    for (const { rect, bracket: b } of layout.cdus) {
      if (!b) continue;
      // The row's rack tiles end at its CDU box's top less a tenth of a cell, plus a cell.
      const rackBottom = Y(rect.y + layout.cellH * 0.9);
      const x0 = X(b.x), x1 = Math.max(x0 + 1, X(b.x + b.w));
      const y0 = Math.max(rackBottom, Y(b.y)), y1 = Math.max(y0 + 1, Y(b.y + b.h));
      if (x1 > 0 && y1 > 0 && x0 < w && y0 < h) ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
    }
    // Unzoomed, the row labels never move: written once here, in their column left of the tiles,
    // instead of at every paint (a 100-row hall has 50 of them).
    if (view.scale === 1 && view.x === 0 && view.y === 0 && layout.labelWidth > 0) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(0, 0, X(layout.grid.x0), h);
      ctx.clip();
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      drawRowLabels(ctx, layout, 1, undefined);
      ctx.restore();
    }
  }

  /** The colour index rack tile `i` (layout order) should have. */
  rack(i: number, color: number): void {
    this.rackWanted[i] = color;
  }

  /** The colour index CDU box `j` (layout order) should have. */
  cdu(j: number, color: number): void {
    this.cduWanted[j] = color;
  }

  /** Repaints the tiles whose colour changed, one path per colour. */
  flush(rackColors: readonly string[], cduColors: readonly string[]): void {
    const ctx = this.ctx;
    if (!ctx || !this.layout) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    let repainted = 0;
    const paths = new Map<number, Path2D>();
    const rb = this.rackBoxes;
    // Zoomed in, most tiles are off the layer: they are not painted (a pan starts the layer anew).
    const W = this.canvas!.width, H = this.canvas!.height;
    const off = (b: Boxes, i: number) => b[i * 4 + 2] <= 0 || b[i * 4 + 3] <= 0 || b[i * 4] >= W || b[i * 4 + 1] >= H;
    const named: number[] = [];
    for (let i = 0; i < this.rackWanted.length; i++) {
      const c = this.rackWanted[i];
      if (c === this.rackPainted[i] || off(rb, i)) continue;
      this.rackPainted[i] = c;
      let p = paths.get(c);
      if (!p) paths.set(c, (p = new Path2D()));
      p.rect(rb[i * 4], rb[i * 4 + 1], rb[i * 4 + 2] - rb[i * 4], rb[i * 4 + 3] - rb[i * 4 + 1]);
      if (this.namePx > 0) named.push(i);
      repainted++;
    }
    for (const [c, p] of paths) {
      ctx.fillStyle = rackColors[c];
      ctx.fill(p);
    }
    if (named.length > 0) {
      this.nameFont(ctx);
      for (const i of named) this.writeName(ctx, this.layout.racks[i].name, rb, i, rackColors[this.rackPainted[i]]);
    }
    const cb = this.cduBoxes;
    // Outline and corners scale with the zoom, as they would drawn through the zoomed context.
    const k = this.dpr * this.view.scale;
    const line = Math.max(1, Math.round(k));
    for (let j = 0; j < this.cduWanted.length; j++) {
      const c = this.cduWanted[j];
      if (c === this.cduPainted[j] || off(cb, j)) continue;
      this.cduPainted[j] = c;
      const x = cb[j * 4], y = cb[j * 4 + 1], w = cb[j * 4 + 2] - x, h = cb[j * 4 + 3] - y;
      ctx.clearRect(x, y, w, h);
      // Fill and outline inside the box: nothing spills onto a neighbour.
      const radius = Math.min(4 * k, w / 4, h / 4);
      ctx.beginPath();
      if (radius >= 1.5) ctx.roundRect(x + line / 2, y + line / 2, w - line, h - line, radius);
      else ctx.rect(x + line / 2, y + line / 2, w - line, h - line);
      ctx.fillStyle = cduColors[c];
      ctx.fill();
      ctx.strokeStyle = CDU_OUTLINE;
      ctx.lineWidth = line;
      ctx.stroke();
      if (this.namePx > 0) {
        this.nameFont(ctx);
        this.writeName(ctx, this.layout.cdus[j].name, cb, j, cduColors[c], line);
      }
      repainted++;
    }
    this.repainted = repainted;
  }

  private nameFont(ctx: Ctx): void {
    ctx.font = `600 ${this.namePx}px system-ui, sans-serif`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
  }

  /**
   * Writes `name` at the top left of box `i` of `boxes`, inked to stand out from `fill`, only
   * if it fits in the box's top-left quarter with `inset` to spare: a name never touches a
   * neighbour's pixels, and the tile's centre lines keep its colour (and its age when stale).
   */
  private writeName(ctx: Ctx, name: string, boxes: Boxes, i: number, fill: string, inset = 0): void {
    let w = this.nameW.get(name);
    if (w === undefined) this.nameW.set(name, (w = ctx.measureText(name).width));
    const pad = Math.max(2, Math.round(this.namePx * 0.2)) + inset;
    const x0 = boxes[i * 4], y0 = boxes[i * 4 + 1];
    // Snapping to device pixels makes equal tiles differ by a pixel: judged a pixel wider, they all get their name or none do.
    if (pad + w > (boxes[i * 4 + 2] - x0 + 1) / 2 || pad + this.namePx * 1.2 > (boxes[i * 4 + 3] - y0 + 1) / 2) return;
    ctx.fillStyle = inkOn(fill);
    ctx.fillText(name, x0 + pad, y0 + pad);
  }
}

/** Device-pixel boxes of world rects through `X` and `Y` (world → device px), at least one pixel each way. */
function snapAll(rects: { x: number; y: number; w: number; h: number }[], X: (x: number) => number, Y: (y: number) => number): Boxes {
  const out = new Int32Array(rects.length * 4);
  rects.forEach((r, i) => {
    const x0 = X(r.x), y0 = Y(r.y);
    out.set([x0, y0, Math.max(x0 + 1, X(r.x + r.w)), Math.max(y0 + 1, Y(r.y + r.h))], i * 4);
  });
  return out;
}
