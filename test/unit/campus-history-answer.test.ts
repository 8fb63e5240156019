/**
 * The campus view's answer to a history request, with stand-in shards answering over a
 * recording connection: a hall's request goes to its shard; the site's is combined from all.
 */
import { describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import { CampusHistory } from '../../server/campus/campus-history.ts';
import { ShardLinks } from '../../server/campus/shard-links.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { siteClaim } from '../../server/cluster/site-fingerprint.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import type { HistoryResponse } from '../../protocol/history.ts';

const spec = generateSite({ halls: 3, rows: 2, racksPerRow: 4, racksPerCdu: 2, name: 'campus test' });
const site = buildSiteIndex(spec);
const sha = siteClaim(spec, 'campus-1', 0).sha256;
const T0 = Date.parse('2026-12-07T10:00:00Z');
const ALL = ['itKw', 'heatKw', 'coolingCapacityKw', 'headroomKw', 'headroomPct', 'n1HeadroomKw', 'racksLive', 'racksStale', 'racksOffline', 'maxReturnC'];

/** Each shard's totals at one step: shard hall-1_hall-2 has 600 kW capacity with 300 kW headroom; hall-3 400 with 40. */
const TOTALS: Record<string, Record<string, number>> = {
  'hall-1_hall-2': { itKw: 500, coolingCapacityKw: 600, headroomKw: 300, headroomPct: 50, maxReturnC: 50 },
  'hall-3': { itKw: 300, coolingCapacityKw: 400, headroomKw: 40, headroomPct: 10, maxReturnC: 54 },
};

/** Campus history over two beating shards that answer as their own API would; `asked` records each request. */
function campusHistory() {
  const links = new ShardLinks(site, sha, 3000, T0);
  for (const [shard, halls] of [['hall-1_hall-2', ['hall-1', 'hall-2']], ['hall-3', ['hall-3']]] as const) {
    links.beat({ shard, halls: [...halls], serverName: `server-${shard}`, siteSha256: sha, racks: 0, cdus: 0, telemetryFlows: true, sentMs: T0 }, T0);
  }
  const asked: { subject: string; path: string; query: string }[] = [];
  const connection = {
    request: async (subject: string, data: Uint8Array) => {
      const req = JSON.parse(new TextDecoder().decode(data)) as { path: string; query: string };
      asked.push({ subject, ...req });
      const shard = subject.split('.')[4];
      const fields = (new URLSearchParams(req.query).get('fields') ?? ALL.join(',')).split(',');
      const body: HistoryResponse = {
        entity: 'site', fromMs: T0, toMs: T0 + 1000, stepMs: 1000, source: 'memory', tier: 'raw',
        fields: fields.map((name) => ({ name, unit: '' })), tsMs: [T0], values: Object.fromEntries(fields.map((f) => [f, [TOTALS[shard][f] ?? null]])),
      };
      return { data: new TextEncoder().encode(JSON.stringify({ status: 200, body })) };
    },
  } as unknown as NatsConnection;
  const h = new CampusHistory({ connection: () => connection, links, site, siteKey: 'campus-test', clock: () => T0 + 1000, requestTimeoutMs: 1000 });
  return { h, asked };
}

describe('CampusHistory.answer()', () => {
  it.each<[string, string, string, string[]]>([
    ['a rack of hall 3', '/api/history', 'entity=rack:h3-r01-k01', ['hallwatch.campus.campus-test.req.hall-3.history']],
    ['a row of hall 2', '/api/history', 'entity=row:h2-r02', ['hallwatch.campus.campus-test.req.hall-1_hall-2.history']],
    ['a rack\'s GPUs', '/api/history/gpu', 'rack=h1-r01-k02', ['hallwatch.campus.campus-test.req.hall-1_hall-2.history']],
    ['the site', '/api/history', 'entity=site', ['hallwatch.campus.campus-test.req.hall-1_hall-2.history', 'hallwatch.campus.campus-test.req.hall-3.history']],
  ])('asks the shards holding %s', async (_name, path, query, subjects) => {
    const { h, asked } = campusHistory();
    expect((await h.answer(path, new URLSearchParams(query)))?.status).toBe(200);
    expect(asked.map((a) => a.subject)).toEqual(subjects);
  });

  it('refuses a request naming nothing of the site', async () => {
    const { h, asked } = campusHistory();
    expect(await h.answer('/api/history', new URLSearchParams('entity=rack:h9'))).toEqual({
      status: 400, body: { error: '/api/history: names no rack, CDU, row or hall of the site (entity=rack%3Ah9)' },
    });
    expect(asked).toEqual([]);
  });

  it.each<[string, string, Record<string, number>]>([
    ['every field', 'entity=site', { itKw: 800, coolingCapacityKw: 1000, headroomKw: 340, headroomPct: 34, maxReturnC: 54 }],
    ['the headroom share alone', 'entity=site&fields=headroomPct', { headroomPct: 34 }],
    ['the share with the IT load', 'entity=site&fields=itKw,headroomPct', { itKw: 800, headroomPct: 34 }],
    ['the share with the headroom', 'entity=site&fields=headroomPct,headroomKw', { headroomPct: 34, headroomKw: 340 }],
  ])('gives the site\'s totals for %s, the share from the site\'s sums', async (_name, query, want) => {
    const { h } = campusHistory();
    const a = await h.answer('/api/history', new URLSearchParams(query));
    const body = a?.body as HistoryResponse;
    const asked = new URLSearchParams(query).get('fields')?.split(',') ?? ALL;
    expect(body.fields.map((f) => f.name)).toEqual(asked);
    expect(Object.keys(body.values).sort()).toEqual([...asked].sort());
    for (const [f, v] of Object.entries(want)) expect(body.values[f], f).toEqual([v]);
  });
});
