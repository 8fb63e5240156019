/**
 * The heat map's frame loop: on each animation frame, paints the hall when anything it shows
 * changed (the values' version, the alerts, the metric, the selection, the size, the zoom, or
 * the second, for stale ages) — never more than once per frame. The plan is laid out once per
 * size; zoom and pan are a canvas transform over it, and the tiles come from a kept layer.
 * The alarm beacons the paint hands back are drawn on a canvas of their own over the map,
 * again at each step of their pulse: the pulse never repaints the map.
 */
import type { HallView, SiteView } from '../../../protocol/site-view.ts';
import type { MetricDef } from './metrics.ts';
import { layoutHall } from './hall-layout.ts';
import { drawHall, type HallValues } from './draw-hall.ts';
import { HallLayer } from './hall-layer.ts';
import { alertMarks, type AlertSource, type VersionedMarks } from './alert-marks.ts';
import { IDENTITY, visibleWorld } from './view-zoom.ts';
import type { HeatMapView } from './heat-map-view.svelte.ts';
import { drawBeacons, type Beacon } from './draw-alarms.ts';
import { beaconScreenScale, pulsePhase } from './mark-plan.ts';

/** What a frame paints, read afresh each frame (the component's props). */
export interface HeatMapInput {
  site: SiteView;
  hall: HallView;
  /** The live values, their version and the server-clock now, ms. */
  feed: HallValues & { version: number; nowMs(): number };
  metric: MetricDef;
  selectedRack: number;
  labels: boolean | number;
  showAges: boolean;
  allStale: boolean;
  replay: { key: string; values: HallValues } | null;
  alerts: AlertSource | null;
  maxAspect: number;
}

/**
 * Paints `canvas` every frame something changed, and the alarm beacons on `overlay` (a canvas
 * of the same box over it), until the returned function is called.
 */
export function paintLoop(canvas: HTMLCanvasElement, overlay: HTMLCanvasElement, view: HeatMapView, input: () => HeatMapInput): () => void {
  let frame = 0;
  let drawnKey = '';
  const ctx = canvas.getContext('2d')!;
  const overlayCtx = overlay.getContext('2d')!;
  const layer = new HallLayer();
  let repaintedTiles = 0;
  let marks: VersionedMarks | null = null;
  let beacons: Beacon[] = [];
  let paints = 0;
  let overlayKey = '';
  let overlayDraws = 0;
  let overlayClear = true;
  const still = window.matchMedia?.('(prefers-reduced-motion: reduce)');
  const observer = new ResizeObserver(([entry]) => {
    view.size = { w: entry.contentRect.width, h: entry.contentRect.height };
  });
  observer.observe(canvas);
  const loop = () => {
    frame = requestAnimationFrame(loop);
    paintMap();
    paintAlarms();
  };
  const paintMap = () => {
    const { site, hall, feed, metric, selectedRack, labels, showAges, allStale, replay, alerts, maxAspect } = input();
    const size = view.size;
    const dpr = window.devicePixelRatio || 1;
    const z = view.zoom;
    // Stale ages tick every second even when no frame arrives.
    const key = `${replay ? replay.key : feed.version}|${alerts?.version ?? 0}|${metric.id}|${selectedRack}|${size.w}x${size.h}|${dpr}|`
      + `${Math.floor(Date.now() / 1000)}|${hall.id}|${allStale}|${z.scale},${z.x},${z.y}`;
    if (key === drawnKey || size.w === 0) return;
    drawnKey = key;
    const t0 = performance.now();
    const lk = `${hall.id}|${size.w}x${size.h}|${labels}|${maxAspect}`;
    if (lk !== view.layoutKey || !view.layout) {
      // Another hall is another plan: it opens whole.
      if (view.layout && !lk.startsWith(`${hall.id}|`)) view.zoom = IDENTITY;
      view.layout = layoutHall(site, hall, size.w, size.h, labels, { maxAspect });
      view.layoutKey = lk;
    }
    if (canvas.width !== Math.round(size.w * dpr) || canvas.height !== Math.round(size.h * dpr)) {
      canvas.width = Math.round(size.w * dpr);
      canvas.height = Math.round(size.h * dpr);
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, size.w, size.h);
    ctx.setTransform(dpr * z.scale, 0, 0, dpr * z.scale, dpr * z.x, dpr * z.y);
    if (alerts && !replay) marks = alertMarks(site, alerts, marks);
    beacons = drawHall(ctx, view.layout, replay?.values ?? feed, metric, {
      selectedRack,
      nowMs: feed.nowMs(),
      showAges: showAges && !replay,
      allStale: allStale && !replay,
      alerts: replay || !alerts ? undefined : marks!,
      zoom: z.scale,
      visible: z.scale > 1 ? visibleWorld(z, size.w, size.h) : undefined,
      layer: { layer, dpr, view: z.scale > 1 ? { ...z, w: size.w, h: size.h } : undefined },
    });
    // Read by the browser tests and the heat-map benchmark.
    canvas.dataset.drawMs = (performance.now() - t0).toFixed(2);
    canvas.dataset.drawn = String(feed.version);
    canvas.dataset.repaintedTiles = String((repaintedTiles += layer.repainted));
    canvas.dataset.zoom = `${z.scale.toFixed(3)},${z.x.toFixed(1)},${z.y.toFixed(1)}`;
    canvas.dataset.paints = String(++paints);
  };
  // After each paint of the map, and at each step of the pulse while there are beacons.
  const paintAlarms = () => {
    const phase = beacons.length > 0 ? pulsePhase(Date.now(), still?.matches ?? false) : 0;
    const key = `${paints}|${phase}`;
    if (key === overlayKey || paints === 0) return;
    overlayKey = key;
    // Most halls have no beacon: their overlay stays clear without a touch.
    if (beacons.length === 0 && overlayClear) return;
    overlayClear = beacons.length === 0;
    const { w, h } = view.size;
    const dpr = window.devicePixelRatio || 1;
    if (overlay.width !== canvas.width || overlay.height !== canvas.height) {
      overlay.width = canvas.width;
      overlay.height = canvas.height;
    }
    drawBeacons(overlayCtx, beacons, view.zoom, dpr, phase, w, h, beaconScreenScale(globalThis.innerWidth ?? Number.NaN));
    // Read by the browser tests: the pulse redraws this canvas, not the map's.
    overlay.dataset.beacons = String(beacons.length);
    overlay.dataset.draws = String(++overlayDraws);
  };
  frame = requestAnimationFrame(loop);
  return () => {
    cancelAnimationFrame(frame);
    observer.disconnect();
  };
}
