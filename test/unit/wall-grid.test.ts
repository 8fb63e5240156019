import { describe, expect, it } from 'vitest';
import { WALL_MAX_ASPECT, arrangeHalls, autoHallsPerScreen, type GridSize, type MapArea } from '../../web/src/wall/wall-grid.ts';
import { wallSize } from '../../web/src/wall/wall-size.ts';
import { LABEL_WIDTH_PER_PX, ROW_PITCH, hallGrid, layoutHall } from '../../web/src/lib/hall-layout.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { demoSite } from '../helpers/sites.ts';

/**
 * The map area the wall has at a viewport with a critical incident in the banner (measured in
 * Chromium: header, a two-line banner, KPIs and legend take about 30 % of the height).
 */
function mapArea(widthPx: number, heightPx: number): { area: MapArea; labelPx: number } {
  const size = wallSize(widthPx, heightPx);
  return {
    labelPx: size.minTextPx,
    area: {
      widthPx: widthPx - 1.4 * size.basePx, heightPx: Math.round(heightPx * 0.7), gapPx: 0.6 * size.basePx,
      titlePx: 1.65 * size.basePx, labelWidthPx: size.minTextPx * LABEL_WIDTH_PER_PX, rowPitch: ROW_PITCH,
    },
  };
}

const box = (area: MapArea, cols: number, rows: number) => ({
  w: (area.widthPx - area.gapPx * (cols - 1)) / cols,
  h: (area.heightPx - area.gapPx * (rows - 1)) / rows - area.titlePx,
});

describe('arrangeHalls()', () => {
  const gw = { cols: 55.6, rows: 37 };
  it.each<[string, GridSize, number, [number, number], [number, number]]>([
    ['1 GW halls, four at 4K: side by side (tall tiles beat short ones)', gw, 4, [3840, 2160], [4, 1]],
    ['1 GW halls, two at 1366×768', gw, 2, [1366, 768], [2, 1]],
    ['one hall takes the whole area', gw, 1, [1920, 1080], [1, 1]],
    ['wide, shallow halls stack', { cols: 60, rows: 4 }, 4, [1920, 1080], [1, 4]],
    ['wide halls, three: stacked', { cols: 60, rows: 4 }, 3, [1920, 1080], [1, 3]],
    ['halls twice as wide as deep, four: two by two', { cols: 40, rows: 14 }, 4, [1920, 1080], [2, 2]],
  ])('%s', (_name, grid, count, [w, h], [cols, rows]) => {
    expect(arrangeHalls(Array(count).fill(grid), count, mapArea(w, h).area)).toMatchObject({ cols, rows });
  });
});

describe('wall maps at 1366×768, 1920×1080 and 3840×2160 with 1 to 4 halls per screen', () => {
  const gwSite = buildSiteIndex(generateSite({ halls: 1, rows: 37, racksPerRow: 50, racksPerCdu: 10 })).view;
  const demo = buildSiteIndex(demoSite()).view;
  const cases = [];
  for (const [name, site] of [['1 GW hall (37 rows × 50 racks)', gwSite], ['demo hall (13 rows × 16 racks)', demo]] as const)
    for (const [w, h] of [[1366, 768], [1920, 1080], [3840, 2160]])
      for (const count of [1, 2, 3, 4]) cases.push({ name, site, w, h, count });

  it.each(cases)('$name, $count at $w×$h: fills its box, row labels apart and inside it', ({ site, w, h, count }) => {
    const hall = site.halls[0];
    const { area, labelPx } = mapArea(w, h);
    const a = arrangeHalls(Array(count).fill(hallGrid(hall)), count, area);
    const b = box(area, a.cols, a.rows);
    const layout = layoutHall(site, hall, b.w, b.h, labelPx, { maxAspect: WALL_MAX_ASPECT });
    const right = Math.max(...layout.cdus.map((c) => c.rect.x + c.rect.w));
    const bottom = Math.max(...layout.racks.map((r) => r.rect.y + r.rect.h));
    // The plan reaches (nearly) both the right and the bottom edge: the last row's aisle is the only gap.
    expect(right / b.w).toBeGreaterThan(0.95);
    expect(layout.height - bottom).toBeLessThanOrEqual(layout.cellH * (ROW_PITCH - 1) + b.h * 0.05);
    // Row labels: a font size apart (their ink is about 0.75 of it), inside the canvas, and most rows named.
    const ys = layout.rowLabels.map((l) => l.y);
    for (let i = 1; i < ys.length; i++) expect(ys[i] - ys[i - 1]).toBeGreaterThanOrEqual(labelPx - 1e-9);
    expect(ys[0] - labelPx / 2).toBeGreaterThanOrEqual(-0.01);
    expect(ys.at(-1)! + labelPx / 2).toBeLessThanOrEqual(b.h);
    expect(ys.length).toBeGreaterThanOrEqual(Math.ceil(hall.rows.length / 3));
    // The tiles are the size the arrangement was chosen for (less the room above the first label).
    expect(Math.min(layout.cellW, layout.cellH)).toBeGreaterThanOrEqual(Math.min(a.cellWPx, a.cellHPx) * 0.97);
  });
});

describe('autoHallsPerScreen()', () => {
  const demoHall = { cols: 19.6, rows: 13 };
  const area = (widthPx: number, heightPx: number): MapArea => ({ widthPx, heightPx, gapPx: 13, titlePx: 0, labelWidthPx: 65, rowPitch: ROW_PITCH });
  it.each<[string, GridSize[], MapArea, number]>([
    ['two demo halls side by side at 1080p (height-bound)', [demoHall, demoHall], area(1890, 780), 2],
    ['one hall when a second would shrink the tiles', [demoHall, demoHall], area(1000, 780), 1],
    ['never more than there are halls', [demoHall], area(3800, 800), 1],
    ['at most four', Array(6).fill({ cols: 10, rows: 30 }), area(3800, 800), 4],
    ['two wide halls stack without shrinking', [{ cols: 60, rows: 4 }, { cols: 60, rows: 4 }], area(1890, 780), 2],
    ['no room yet', [demoHall], area(0, 0), 1],
  ])('%s', (_name, grids, a, n) => expect(autoHallsPerScreen(grids, a)).toBe(n));
});
