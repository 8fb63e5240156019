/**
 * History on the campus view: which hall a request is about (so it goes to that hall's shard),
 * and the site's totals combined from every shard's answer.
 */
import { describe, expect, it } from 'vitest';
import { combineSiteHistory, hallOfRequest, siteQuery } from '../../server/campus/campus-history.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import type { HistoryResponse } from '../../protocol/history.ts';

const site = buildSiteIndex(generateSite({ halls: 3, rows: 2, racksPerRow: 4, racksPerCdu: 2, name: 'campus test' }));

describe('hallOfRequest()', () => {
  it.each<[string, string, string | null]>([
    ['/api/history', 'entity=site', 'site'],
    ['/api/history', 'entity=rack:h2-r01-k03', 'hall-2'],
    ['/api/history', 'entity=rack:h9-r01-k01', null],
    ['/api/history', 'entity=rack:', null],
    ['/api/history', 'entity=rack', null],
    ['/api/history', 'entity=cdu:h3-r02-cdu-c', 'hall-3'],
    ['/api/history', 'entity=cdu:h3-r02-cdu-z', null],
    ['/api/history', 'entity=row:h1-r02', 'hall-1'],
    ['/api/history', 'entity=row:h1-r09', null],
    ['/api/history', 'entity=hall:hall-2', 'hall-2'],
    ['/api/history', 'entity=hall:hall-9', null],
    ['/api/history', 'entity=site:hall-1', null],
    ['/api/history', 'entity=gpu:h1-r01-k01', null],
    ['/api/history', 'entity=rack:constructor', null],
    ['/api/history', 'entity=', null],
    ['/api/history', '', null],
    ['/api/history/gpu', 'rack=h3-r01-k04', 'hall-3'],
    ['/api/history/gpu', 'rack=h3-r01-k05', null],
    ['/api/history/gpu', '', null],
    ['/api/history/hall', 'hall=hall-1', 'hall-1'],
    ['/api/history/hall', 'hall=hall-4', null],
    ['/api/history/hall', '', null],
    ['/api/history/rows', 'hall=hall-3&from=0', 'hall-3'],
    ['/api/history/rows', 'hall=site', null],
  ])('%s?%s → %s', (path, query, hall) => {
    expect(hallOfRequest(site, path, new URLSearchParams(query))).toBe(hall);
  });
});

const FIELDS = ['itKw', 'heatKw', 'coolingCapacityKw', 'headroomKw', 'headroomPct', 'n1HeadroomKw', 'racksLive', 'racksStale', 'racksOffline', 'maxReturnC'];
type Row = Partial<Record<string, number | null>>;

/** A shard's answer for the site: one row of values per time stamp. */
function part(tsMs: number[], rows: Row[], warning?: string): HistoryResponse {
  const values = Object.fromEntries(FIELDS.map((f) => [f, rows.map((r) => (f in r ? r[f]! : null))]));
  const out: HistoryResponse = {
    entity: 'site', fromMs: 0, toMs: 3000, stepMs: 1000, source: 'memory', tier: 'raw',
    fields: FIELDS.map((name) => ({ name, unit: '' })), tsMs, values,
  };
  if (warning) out.warning = warning;
  return out;
}

const hall1 = part([1000, 2000], [
  { itKw: 100, heatKw: 80, coolingCapacityKw: 200, headroomKw: 120, headroomPct: 60, n1HeadroomKw: 20, racksLive: 8, racksStale: 0, racksOffline: 0, maxReturnC: 50 },
  { itKw: 110, heatKw: 90, coolingCapacityKw: 200, headroomKw: 110, headroomPct: 55, n1HeadroomKw: 10, racksLive: 7, racksStale: 1, racksOffline: 0, maxReturnC: 52 },
]);
const hall2 = part([1000, 2000], [
  { itKw: 300, heatKw: 250, coolingCapacityKw: 400, headroomKw: 150, headroomPct: 37.5, n1HeadroomKw: 0, racksLive: 8, racksStale: 0, racksOffline: 1, maxReturnC: 55 },
  { itKw: 290, heatKw: 240, coolingCapacityKw: 400, headroomKw: 160, headroomPct: 40, n1HeadroomKw: 5, racksLive: 6, racksStale: 2, racksOffline: 1, maxReturnC: 49 },
]);

describe('combineSiteHistory()', () => {
  const both = combineSiteHistory([hall1, hall2], []);

  it.each<[string, (number | null)[]]>([
    ['itKw', [400, 400]],
    ['heatKw', [330, 330]],
    ['coolingCapacityKw', [600, 600]],
    ['headroomKw', [270, 270]],
    ['n1HeadroomKw', [20, 15]],
    ['racksLive', [16, 13]],
    ['racksStale', [0, 3]],
    ['racksOffline', [1, 1]],
    ['maxReturnC', [55, 52]],
    ['headroomPct', [45, 45]],
  ])('gives the site\'s %s: %j', (field, want) => {
    expect(both.values[field]).toEqual(want);
  });

  it('answers for the site over the same steps, without a warning', () => {
    expect(both).toMatchObject({ entity: 'site', tsMs: [1000, 2000], stepMs: 1000, fields: hall1.fields });
    expect(both.warning).toBeUndefined();
  });

  it.each<[string, HistoryResponse[], string, (number | null)[]]>([
    ['skips a shard\'s missing values', [part([1000, 2000], [{ itKw: 5 }, { itKw: null }]), part([1000, 2000], [{ itKw: null }, { itKw: 7 }])], 'itKw', [5, 7]],
    ['leaves a step no shard has a value for empty', [part([1000], [{ itKw: null }]), part([1000], [{}])], 'itKw', [null]],
    ['takes the hottest return of those reporting', [part([1000], [{ maxReturnC: null }]), part([1000], [{ maxReturnC: 48 }]), part([1000], [{ maxReturnC: 47 }])], 'maxReturnC', [48]],
    ['recomputes the headroom share from the sums', [part([1000], [{ headroomKw: 50, coolingCapacityKw: 100, headroomPct: 50 }]), part([1000], [{ headroomKw: 10, coolingCapacityKw: 300, headroomPct: 3.3 }])], 'headroomPct', [15]],
    ['has no headroom share without cooling capacity', [part([1000, 2000], [{ headroomKw: 0, coolingCapacityKw: 0, headroomPct: 0 }, { headroomKw: 5, headroomPct: 10 }])], 'headroomPct', [null, null]],
    ['takes steps only one shard has', [part([1000, 3000], [{ itKw: 1 }, { itKw: 3 }]), part([2000, 3000], [{ itKw: 20 }, { itKw: 30 }])], 'itKw', [1, 20, 33]],
  ])('%s', (_name, parts, field, want) => {
    expect(combineSiteHistory(parts, []).values[field]).toEqual(want);
  });

  it('gives the union of the shards\' time stamps in order', () => {
    const parts = [part([3000, 5000], [{ itKw: 1 }, { itKw: 1 }]), part([1000, 3000, 4000], [{ itKw: 1 }, { itKw: 1 }, { itKw: 1 }])];
    expect(combineSiteHistory(parts, []).tsMs).toEqual([1000, 3000, 4000, 5000]);
  });

  it.each<[string, HistoryResponse[], string[], string | undefined]>([
    ['every hall answered', [hall1, hall2], [], undefined],
    ['a hall missing', [hall1, hall2], ['hall-3'], 'without hall-3: no hall shard answered for them'],
    ['two halls missing', [hall1], ['hall-2', 'hall-3'], 'without hall-2, hall-3: no hall shard answered for them'],
    ['a shard\'s own warning', [part([1000], [{}], 'InfluxDB unreachable: memory window only'), hall2], [], 'InfluxDB unreachable: memory window only'],
    ['a shard\'s own warning and a hall missing', [hall1, part([1000], [{}], 'InfluxDB unreachable: memory window only')], ['hall-3'],
      'without hall-3: no hall shard answered for them; InfluxDB unreachable: memory window only'],
  ])('warns: %s', (_name, parts, missing, warning) => {
    expect(combineSiteHistory(parts, missing).warning).toBe(warning);
  });

  it('leaves the parts as they were', () => {
    const copy = structuredClone(hall1);
    combineSiteHistory([hall1, hall2], ['hall-3']);
    expect(hall1).toEqual(copy);
  });
});

describe('siteQuery()', () => {
  it.each<[string, string, string[]]>([
    ['entity=site', 'entity=site', []],
    ['entity=site&fields=itKw,maxReturnC', 'entity=site&fields=itKw,maxReturnC', []],
    ['entity=site&fields=headroomPct', 'entity=site&fields=headroomPct,headroomKw,coolingCapacityKw', ['headroomKw', 'coolingCapacityKw']],
    ['entity=site&fields=headroomKw, headroomPct', 'entity=site&fields=headroomKw,headroomPct,coolingCapacityKw', ['coolingCapacityKw']],
    ['entity=site&fields=coolingCapacityKw,headroomPct,headroomKw', 'entity=site&fields=coolingCapacityKw,headroomPct,headroomKw', []],
  ])('asks the shards for %s as %s', (query, asked, extra) => {
    const q = siteQuery(new URLSearchParams(query));
    expect(decodeURIComponent(q.params.toString())).toBe(asked);
    expect(q.extra).toEqual(extra);
  });
});
