import { describe, expect, it } from 'vitest';
import { clampZoom, IDENTITY, MAX_SCALE, panBy, toWorld, visibleWorld, zoomAt } from '../../web/src/lib/view-zoom.ts';

const W = 1000;
const H = 600;

describe('heat-map zoom and pan', () => {
  it.each([
    ['zooming in keeps the point under the cursor', zoomAt(IDENTITY, 250, 150, 2, W, H), { scale: 2, x: -250, y: -150 }],
    ['zooming in at the corner keeps the corner', zoomAt(IDENTITY, 0, 0, 4, W, H), { scale: 4, x: 0, y: 0 }],
    ['never out past the fit', zoomAt({ scale: 2, x: -250, y: -150 }, 500, 300, 0.25, W, H), { scale: 1, x: 0, y: 0 }],
    ['never past the largest magnification', zoomAt(IDENTITY, 0, 0, 1000, W, H), { scale: MAX_SCALE, x: 0, y: 0 }],
    ['panning stops at the left edge', panBy({ scale: 2, x: -100, y: 0 }, 500, 0, W, H), { scale: 2, x: 0, y: 0 }],
    ['panning stops at the right edge', panBy({ scale: 2, x: -100, y: 0 }, -5000, 0, W, H), { scale: 2, x: -1000, y: 0 }],
    ['panning at scale 1 moves nothing', panBy(IDENTITY, 40, 40, W, H), { scale: 1, x: 0, y: 0 }],
    ['a bad offset is pulled back into the box', clampZoom({ scale: 3, x: 50, y: -5000 }, W, H), { scale: 3, x: 0, y: -1200 }],
  ])('%s', (_name, got, want) => expect(got).toEqual(want));

  it('maps screen points to the world and back under zoom', () => {
    const z = zoomAt(IDENTITY, 250, 150, 2, W, H);
    expect(toWorld(z, 250, 150)).toEqual({ x: 250, y: 150 });
    expect(toWorld(z, 0, 0)).toEqual({ x: 125, y: 75 });
    expect(visibleWorld(z, W, H)).toEqual({ x0: 125, y0: 75, x1: 625, y1: 375 });
  });

  it('hits the rack under the cursor at every zoom (world point stays under the cursor)', () => {
    let z = IDENTITY;
    const cursor = { x: 731, y: 412 };
    const world = toWorld(z, cursor.x, cursor.y);
    for (const f of [1.5, 1.5, 2, 3, 0.5, 4]) {
      z = zoomAt(z, cursor.x, cursor.y, f, W, H);
      const w = toWorld(z, cursor.x, cursor.y);
      // Until an edge clamps, the world point under the cursor does not move.
      if (z.scale < MAX_SCALE) {
        expect(w.x).toBeCloseTo(world.x, 6);
        expect(w.y).toBeCloseTo(world.y, 6);
      }
    }
  });
});
