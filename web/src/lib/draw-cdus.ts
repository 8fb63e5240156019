/**
 * The hall's CDU boxes: filled by capacity headroom while live and running, offline colour
 * otherwise, with their brackets over the racks they serve, and hatching on a stale one. A
 * tripped (or offline) CDU is handed back for the alarm overlay's beacon (draw-alarms.ts).
 */
import { EntityState } from '../../../protocol/stream.ts';
import { PALETTE, classOf } from './color-scale.ts';
import type { HallLayout, Rect } from './hall-layout.ts';
import { METRICS } from './metrics.ts';
import { BRACKET, CDU_OUTLINE } from './hall-layer.ts';
import { OFFLINE, addRect, hatch, outside, type WorldView } from './draw-marks.ts';
import type { HallValues } from './draw-hall.ts';

const CDU_SCALE = METRICS.find((m) => m.id === 'cdu')!.scale;

/** Colour indices of CDU boxes (in the kept layer too): the palette's classes, then offline. */
export const CDU_COLORS = [...PALETTE, OFFLINE];

/** A CDU's colour index in CDU_COLORS: its headroom class while live and running, else offline. */
export function cduColor(feed: HallValues, index: number): number {
  const running = feed.cdu('running', index) === 1;
  return feed.cdu('state', index) === EntityState.Live && running ? Math.max(0, classOf(CDU_SCALE, feed.cdu('headroomPct', index))) : PALETTE.length;
}

/** CDU boxes and brackets (unless `inLayer`: the kept layer has them), then hatching; returns the tripped CDUs' boxes. */
export function drawCdus(ctx: CanvasRenderingContext2D, layout: HallLayout, feed: HallValues, visible: WorldView | undefined, inLayer: boolean): Rect[] {
  const tripped: Rect[] = [];
  const stale: Rect[] = [];
  // One path per fill colour and one for every outline: a large hall has a thousand CDUs.
  const brackets = new Path2D();
  const outlines = new Path2D();
  const fills = new Map<string, Path2D>();
  for (const { index, rect, bracket } of layout.cdus) {
    if (outside(rect, visible) && (!bracket || outside(bracket, visible))) continue;
    const state = feed.cdu('state', index);
    const running = feed.cdu('running', index) === 1;
    if (state === EntityState.Offline || (state === EntityState.Live && !running)) tripped.push(rect);
    if (state === EntityState.Stale) stale.push(rect);
    if (inLayer) continue;
    if (bracket) addRect(brackets, bracket);
    const color = CDU_COLORS[cduColor(feed, index)];
    let fill = fills.get(color);
    if (!fill) fills.set(color, (fill = new Path2D()));
    // Rounded corners only where they show: a rounded rect costs several times a plain one.
    const radius = Math.min(4, rect.w / 4, rect.h / 4);
    if (radius >= 1.5) {
      fill.roundRect(rect.x, rect.y, rect.w, rect.h, radius);
      outlines.roundRect(rect.x, rect.y, rect.w, rect.h, radius);
    } else {
      addRect(fill, rect);
      addRect(outlines, rect);
    }
  }
  if (!inLayer) {
    ctx.fillStyle = BRACKET;
    ctx.fill(brackets);
    for (const [color, p] of fills) {
      ctx.fillStyle = color;
      ctx.fill(p);
    }
    ctx.strokeStyle = CDU_OUTLINE;
    ctx.lineWidth = 1;
    ctx.stroke(outlines);
  }
  hatch(ctx, stale, Math.max(3, layout.cell / 4));
  return tripped;
}
