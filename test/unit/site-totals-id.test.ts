/**
 * Where a server's site totals are stored: "site" for a whole site, the shard's own ID for a hall
 * shard, so shards sharing one InfluxDB database never overwrite each other's — written so by the
 * recorder and read so by the history service.
 */
import { describe, expect, it } from 'vitest';
import { siteTotalsId, SITE_TOTALS_ID } from '../../server/history/schema.ts';
import { siteSeries } from '../../server/history/recorder-series.ts';
import { HistoryService, parseHistoryQuery } from '../../server/history/history-service.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import type { InfluxClient } from '../../server/history/influx-client.ts';

const site = buildSiteIndex(generateSite({ halls: 2, rows: 1, racksPerRow: 2, racksPerCdu: 2 }));
const NOW = 1_800_000_000_000;

describe('siteTotalsId()', () => {
  it.each<[string, string[] | undefined, string]>([
    ['a whole site', undefined, 'site'],
    ['a one-hall shard', ['hall-1'], 'shard:hall-1'],
    ['a two-hall shard, halls in any order', ['hall-2', 'hall-1'], 'shard:hall-1_hall-2'],
    ['a hall with a dot', ['h.1'], 'shard:h_-1'],
  ])('%s: %s', (_name, halls, id) => {
    expect(siteTotalsId(halls)).toBe(id);
  });
});

describe('the site totals series', () => {
  it.each<[string, string | undefined, string]>([
    ['a whole site', undefined, SITE_TOTALS_ID],
    ['a shard', 'shard:hall-1', 'shard:hall-1'],
  ])('of %s are tagged with its ID; halls and rows keep theirs; the memory key stays', (_name, totalsId, id) => {
    const { totals } = siteSeries(site, totalsId);
    expect(totals.tags(0)).toEqual({ scope: 'site', id });
    expect(totals.tags(1)).toEqual({ scope: 'hall', id: site.view.halls[0].id });
    expect(totals.tags(1 + site.view.halls.length)).toEqual({ scope: 'row', id: site.rows[0].id });
    expect(totals.memoryKey(0)).toBe('site:site');
  });
});

describe('HistoryService reads the site totals it wrote', () => {
  const queried = async (entity: string, totalsId?: string) => {
    const sent: string[] = [];
    const influx = { query: async (q: string) => (sent.push(q), { results: [{}, {}] }) } as unknown as InfluxClient;
    const service = new HistoryService({
      memory: new MemoryWindow(10), influx, retention: { rawMs: 7 * 86_400_000, m1Ms: 90 * 86_400_000 }, clock: () => NOW, siteTotalsId: totalsId,
    });
    const q = parseHistoryQuery(new URLSearchParams(`entity=${entity}&fields=itKw&from=${NOW - 3_600_000}&to=${NOW}`), site, NOW);
    if (!q.ok) throw new Error(q.message);
    const res = await service.query(q.value);
    return { sent: sent.join('\n'), entity: res.entity };
  };

  it.each<[string, string, string | undefined, string]>([
    ['a whole site\'s', 'site', undefined, `"scope" = 'site' AND "id" = 'site'`],
    ['a shard\'s', 'site', 'shard:hall-1', `"scope" = 'site' AND "id" = 'shard:hall-1'`],
    ['a hall\'s, on a shard', 'hall:hall-1', 'shard:hall-1', `"scope" = 'hall' AND "id" = 'hall-1'`],
  ])('%s totals: %s', async (_name, entity, totalsId, where) => {
    const r = await queried(entity, totalsId);
    expect(r.sent).toContain(where);
    expect(r.entity).toBe(entity);
  });
});
