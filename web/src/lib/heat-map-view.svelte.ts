/**
 * What a heat map canvas shows of its hall: the canvas size, the plan laid out for it, and the
 * zoom and pan over that plan, changed by the wheel (only when the map has focus or Ctrl/Meta is
 * held: otherwise the page scrolls, see wheel-intent.ts), one pointer dragging, two pointers
 * pinching, and the keys + − 0 and the arrows (Escape gives the wheel back to the page).
 */
import { hitTest, type HallLayout } from './hall-layout.ts';
import { IDENTITY, panBy, toWorld, zoomAt, type Zoom } from './view-zoom.ts';
import { wheelIntent } from './wheel-intent.ts';

/** Arrow keys pan by this much, CSS px. */
const KEY_PAN_PX = 60;
/** A press that moved further than this, CSS px, is a drag, not a click. */
const DRAG_PX = 4;

export class HeatMapView {
  /** Zoom and pan over the plan (identity: the whole hall). */
  zoom = $state<Zoom>(IDENTITY);
  /** The canvas has keyboard focus: a plain wheel zooms instead of scrolling the page. */
  focused = $state(false);
  /** The canvas's size, CSS px. */
  size = { w: 0, h: 0 };
  /** The plan at the present size, and the key (hall, size, labels, aspect) it was laid out for. */
  layout: HallLayout | null = null;
  layoutKey = '';

  /** `zoomable`: whether gestures and keys zoom and pan (read at each event). */
  constructor(private readonly zoomable: () => boolean) {}

  /** Zooms by `factor` about the centre of the canvas. */
  step(factor: number): void {
    this.zoom = zoomAt(this.zoom, this.size.w / 2, this.size.h / 2, factor, this.size.w, this.size.h);
  }

  /** Back to the whole hall. */
  reset(): void {
    this.zoom = IDENTITY;
  }

  /** The rack or CDU under the mouse, with the event's client position; null over nothing. */
  hit(ev: MouseEvent): { kind: 'rack' | 'cdu'; index: number; x: number; y: number } | null {
    if (!this.layout) return null;
    const box = (ev.currentTarget as HTMLCanvasElement).getBoundingClientRect();
    const w = toWorld(this.zoom, ev.clientX - box.left, ev.clientY - box.top);
    const hit = hitTest(this.layout, w.x, w.y);
    return hit ? { ...hit, x: ev.clientX, y: ev.clientY } : null;
  }

  /** + − 0, the arrow keys, and Escape (leaves the map: the wheel scrolls the page again). */
  key(ev: KeyboardEvent): void {
    if (!this.zoomable()) return;
    if (ev.key === 'Escape') return void (ev.currentTarget as HTMLElement).blur();
    const { w, h } = this.size;
    const pan = (dx: number, dy: number) => () => (this.zoom = panBy(this.zoom, dx, dy, w, h));
    const moves: Record<string, () => void> = {
      '+': () => this.step(1.5), '=': () => this.step(1.5), '-': () => this.step(1 / 1.5), '0': () => this.reset(),
      ArrowLeft: pan(KEY_PAN_PX, 0), ArrowRight: pan(-KEY_PAN_PX, 0), ArrowUp: pan(0, KEY_PAN_PX), ArrowDown: pan(0, -KEY_PAN_PX),
    };
    const move = moves[ev.key];
    if (!move) return;
    ev.preventDefault();
    move();
  }

  /** Listens to the wheel and pointers on `canvas`; returns what removes the listeners. */
  gestures(canvas: HTMLCanvasElement): () => void {
    const pointers = new Map<number, { x: number; y: number }>();
    let dragged = 0;
    const local = (ev: { clientX: number; clientY: number }) => {
      const box = canvas.getBoundingClientRect();
      return { x: ev.clientX - box.left, y: ev.clientY - box.top };
    };
    const onWheel = (ev: WheelEvent) => {
      if (!this.zoomable()) return;
      const intent = wheelIntent(ev, this.focused, this.zoom.scale);
      if (intent.kind === 'scroll') return;
      ev.preventDefault();
      const p = local(ev);
      this.zoom = zoomAt(this.zoom, p.x, p.y, intent.factor, this.size.w, this.size.h);
    };
    const onFocus = () => (this.focused = true);
    const onBlur = () => (this.focused = false);
    const onDown = (ev: PointerEvent) => {
      if (!this.zoomable()) return;
      pointers.set(ev.pointerId, local(ev));
      dragged = 0;
    };
    const onMove = (ev: PointerEvent) => {
      const prev = pointers.get(ev.pointerId);
      if (!prev) return;
      const p = local(ev);
      if (pointers.size === 1) {
        dragged += Math.abs(p.x - prev.x) + Math.abs(p.y - prev.y);
        if (dragged > DRAG_PX) {
          canvas.setPointerCapture(ev.pointerId);
          this.zoom = panBy(this.zoom, p.x - prev.x, p.y - prev.y, this.size.w, this.size.h);
        }
      } else if (pointers.size === 2) {
        const other = [...pointers.entries()].find(([id]) => id !== ev.pointerId)![1];
        const before = Math.hypot(prev.x - other.x, prev.y - other.y);
        const after = Math.hypot(p.x - other.x, p.y - other.y);
        if (before > 0) this.zoom = zoomAt(this.zoom, (p.x + other.x) / 2, (p.y + other.y) / 2, after / before, this.size.w, this.size.h);
        dragged = 100;
      }
      pointers.set(ev.pointerId, p);
    };
    const onUp = (ev: PointerEvent) => void pointers.delete(ev.pointerId);
    // A drag or a pinch is not a click on the rack it ends over.
    const onClickCapture = (ev: MouseEvent) => {
      if (dragged > DRAG_PX) {
        ev.stopImmediatePropagation();
        dragged = 0;
      }
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    canvas.addEventListener('focus', onFocus);
    canvas.addEventListener('blur', onBlur);
    canvas.addEventListener('pointerdown', onDown);
    canvas.addEventListener('pointermove', onMove);
    canvas.addEventListener('pointerup', onUp);
    canvas.addEventListener('pointercancel', onUp);
    canvas.addEventListener('click', onClickCapture, true);
    return () => {
      canvas.removeEventListener('wheel', onWheel);
      canvas.removeEventListener('focus', onFocus);
      canvas.removeEventListener('blur', onBlur);
      canvas.removeEventListener('pointerdown', onDown);
      canvas.removeEventListener('pointermove', onMove);
      canvas.removeEventListener('pointerup', onUp);
      canvas.removeEventListener('pointercancel', onUp);
      canvas.removeEventListener('click', onClickCapture, true);
    };
  }
}
