/** What a browser test reads off a heat-map canvas: a pixel's colour, and where a rack is drawn. */
import type { Page } from 'playwright-core';
import type { SiteView } from '../../protocol/site-view.ts';
import { HALL_VIEW_MAX_ASPECT, layoutHall } from '../../web/src/lib/hall-layout.ts';

/** Colour of the pixel at (x, y) CSS px of the canvas `selector`, as #rrggbb. */
export function pixelAt(page: Page, selector: string, x: number, y: number): Promise<string> {
  return page.$eval(selector, (el, [px, py]) => {
    const c = el as HTMLCanvasElement;
    const dpr = c.width / c.getBoundingClientRect().width;
    const d = c.getContext('2d')!.getImageData(Math.round(px * dpr), Math.round(py * dpr), 1, 1).data;
    return '#' + [d[0], d[1], d[2]].map((v) => v.toString(16).padStart(2, '0')).join('');
  }, [x, y]);
}

/**
 * Where rack `rackId` is drawn on its hall page's canvas, from the layout function the dashboard
 * uses: its centre on the canvas (`x`, `y`) and on the page (`pageX`, `pageY`), and its size.
 */
export async function rackOnCanvas(page: Page, site: SiteView, rackId: string) {
  const rack = site.racks.find((r) => r.id === rackId)!;
  const box = (await page.locator(`canvas[data-hall="${rack.hallId}"]`).boundingBox())!;
  const hall = site.halls.find((h) => h.id === rack.hallId)!;
  const layout = layoutHall(site, hall, box.width, box.height, true, { maxAspect: HALL_VIEW_MAX_ASPECT });
  const r = layout.racks.find((x) => x.index === rack.index)!.rect;
  return { x: r.x + r.w / 2, y: r.y + r.h / 2, pageX: box.x + r.x + r.w / 2, pageY: box.y + r.y + r.h / 2, w: r.w, h: r.h };
}
