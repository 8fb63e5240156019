import { describe, expect, it } from 'vitest';
import { buildSearchIndex, hrefOf, search, type SearchSite } from '../../web/src/lib/search.ts';
import { parseRoute } from '../../web/src/lib/route.ts';

/** A site named as the generator names it: hall-H, hH-rRR, hH-rRR-kKK, hH-rRR-cdu-X. */
function siteOf(halls: number, rows: number, racksPerRow: number): SearchSite {
  const pad = (n: number) => String(n).padStart(2, '0');
  const site: SearchSite = { halls: [], racks: [], cdus: [] };
  for (let h = 1; h <= halls; h++) {
    const hall = { index: h - 1, id: `hall-${h}`, name: `Hall ${h}`, supplySetpointC: 40, supplyClassMaxC: 45, rows: [] as SearchSite['halls'][number]['rows'] };
    for (let r = 1; r <= rows; r++) {
      const rowId = `h${h}-r${pad(r)}`;
      const rackIds = Array.from({ length: racksPerRow }, (_, k) => `${rowId}-k${pad(k + 1)}`);
      const cduIds = [`${rowId}-cdu-a`, `${rowId}-cdu-b`];
      hall.rows.push({ id: rowId, maxPosition: racksPerRow, rackIds, cduIds });
      rackIds.forEach((id, k) => site.racks.push({
        index: site.racks.length, id, hallId: hall.id, rowId, position: k + 1, cduId: cduIds[0], cduIds,
        redundancyGroup: rowId, type: 'gb300-nvl72', gpuCount: 72, returnLimitC: 55, usableKw: 132,
      }));
      for (const id of cduIds) site.cdus.push({ index: site.cdus.length, id, hallId: hall.id, rowId, capacityKw: 1700, ratedFlowLpm: 2000, rackIds, redundancyGroup: rowId });
    }
    site.halls.push(hall);
  }
  return site;
}

describe('search() over a site index', () => {
  const index = buildSearchIndex(siteOf(2, 12, 12));
  const ids = (q: string, limit = 5) => search(index, q, limit).map((h) => h.entry.id);

  it.each([
    ['an exact rack ID alone', 'h1-r03-k05', ['h1-r03-k05']],
    ['an exact ID in other case and with spaces around it', '  H1-R03-K05 ', ['h1-r03-k05']],
    ['an exact row ID before the racks that start with it', 'h2-r11', ['h2-r11', 'h2-r11-k01', 'h2-r11-k02', 'h2-r11-k03', 'h2-r11-k04']],
    ['a prefix: shortest completion first, racks before CDUs of one length', 'h1-r03-', ['h1-r03-k01', 'h1-r03-k02', 'h1-r03-k03', 'h1-r03-k04', 'h1-r03-k05']],
    ['a CDU by its full ID', 'h1-r07-cdu-b', ['h1-r07-cdu-b']],
    ['CDUs of a row by prefix', 'h1-r07-cdu', ['h1-r07-cdu-a', 'h1-r07-cdu-b']],
    ['a rack without its hall: each word starts a part of the ID', 'r03-k05', ['h1-r03-k05', 'h2-r03-k05']],
    ['a rack by separate words', 'r03 k05', ['h1-r03-k05', 'h2-r03-k05']],
    ['a hall by its name', 'hall 2', ['hall-2']],
    ['a hall by its ID', 'hall-1', ['hall-1']],
    ['nothing for an empty query', '   ', []],
    ['nothing for what no ID or name contains', 'zz9', []],
  ])('finds %s', (_, q, want) => {
    expect(ids(q)).toEqual(want);
  });

  it('ranks exact, then prefix, then word starts, then mere containment', () => {
    const hits = search(index, 'h1-r01', 30);
    expect(hits[0]).toMatchObject({ entry: { id: 'h1-r01', kind: 'row' }, rank: 0 });
    expect(hits[1]).toMatchObject({ entry: { id: 'h1-r01-k01' }, rank: 1 });
    // "01" starts a part of h1-r01 rows' racks' IDs, and is only contained in h1-r10 (no separator before it).
    const kinds = search(index, '01', 400).map((h) => h.rank);
    expect(kinds).toEqual([...kinds].sort((a, b) => a - b));
    expect(search(index, '0', 400).some((h) => h.entry.id === 'h1-r10' && h.rank === 3)).toBe(true);
  });

  it('keeps no more than the limit, in the same order as a full sort', () => {
    const all = search(index, 'k1', 10_000).map((h) => h.entry.id);
    expect(all.length).toBeGreaterThan(8);
    expect(ids('k1', 8)).toEqual(all.slice(0, 8));
  });

  it('says for each entry where it lies', () => {
    const [rack] = search(index, 'h2-r04-k09');
    expect(rack.entry).toEqual({ kind: 'rack', id: 'h2-r04-k09', detail: 'Hall 2 · h2-r04', hallId: 'hall-2' });
    expect(search(index, 'h1-r02')[0].entry.detail).toBe('Hall 1 · 12 racks');
  });

  it('answers a keystroke over a 20,000-rack site from the index', () => {
    const big = buildSearchIndex(siteOf(4, 50, 100));
    expect(big.keys.length).toBe(4 + 200 + 20_000 + 400);
    expect(search(big, 'h3-r42-k77').map((h) => h.entry.id)).toEqual(['h3-r42-k77']);
    expect(search(big, 'k').length).toBe(8);
  });
});

describe('hrefOf() a chosen entry', () => {
  const index = buildSearchIndex(siteOf(2, 3, 3));
  const route = (q: string) => parseRoute(hrefOf(search(index, q)[0].entry, 'power'));

  it.each([
    ['a rack opens its panel in its hall', 'h2-r01-k03', { hallId: 'hall-2', metric: 'power', rackId: 'h2-r01-k03' }],
    ['a CDU opens its panel in its hall', 'h1-r02-cdu-b', { hallId: 'hall-1', metric: 'power', rackId: null, cduId: 'h1-r02-cdu-b' }],
    ['a hall opens its heat map', 'hall-2', { hallId: 'hall-2', metric: 'power', rackId: null }],
  ])('%s', (_, q, want) => {
    expect(route(q)).toEqual(want);
  });

  it('a row opens its drill-down', () => {
    expect(route('h1-r03').history).toMatchObject({ kind: 'row', id: 'h1-r03', from: 'now-1h', to: 'now' });
  });
});
