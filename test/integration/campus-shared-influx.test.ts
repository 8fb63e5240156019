/**
 * Hall shards sharing one InfluxDB database: three real shards on a real NATS node write their
 * history to one real InfluxDB. Racks, CDUs, rows and halls are apart by their IDs; each shard's
 * site totals (the totals of its halls) are stored under the shard's own ID, so no shard
 * overwrites another's and each reads back exactly its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCampusWorld, type CampusWorld } from '../helpers/campus-world.ts';
import { startInfluxd, type Influxd } from '../helpers/influxd.ts';
import { getJson, notYet, waitFor } from '../helpers/wait.ts';

describe('hall shards sharing one InfluxDB database', () => {
  let influx: Influxd;
  let w: CampusWorld;
  const DB = 'campus_shared';

  beforeAll(async () => {
    influx = await startInfluxd();
    w = await startCampusWorld({ shardArgs: ['--influx', influx.url, '--influx-db', DB] });
  }, 120_000);

  afterAll(async () => {
    await w?.stop();
    await influx?.stop();
  });

  /** A shard's history of `entity` over the last 10 min (before its start: InfluxDB answers), per second. */
  const history = (baseUrl: string, entity: string) =>
    getJson(`${baseUrl}/api/history?entity=${entity}&fields=itKw,racksLive&from=${Date.now() - 600_000}&to=${Date.now()}&step=1s`);

  it('stores each shard\'s site totals under its own ID, and each shard reads back its own halls\' totals', async () => {
    const ids = await waitFor('every shard\'s site totals in InfluxDB', async () => {
      const r = await influx.query(`SHOW TAG VALUES ON "${DB}" WITH KEY = "id" WHERE "scope" = 'site'`, DB);
      const values: string[] = (r.results?.[0]?.series ?? []).flatMap((s: any) => s.values.map((v: any[]) => v[1]));
      const distinct = [...new Set(values)].sort();
      return distinct.length >= 3 ? distinct : notYet(distinct);
    }, 60_000);
    expect(ids).toEqual(w.hallIds.map((h) => `shard:${h}`).sort());
    for (const [hallId, shard] of w.shards) {
      // A one-hall shard's site totals are its hall's: second by second, the same numbers.
      // Each series' raw blocks close on their own (windows shifted per entity): wait for 5 seconds both hold.
      const both = await waitFor(`shard ${hallId}: 5 seconds of site and hall totals from InfluxDB`, async () => {
        const [site, hall] = await Promise.all([history(shard.baseUrl, 'site'), history(shard.baseUrl, `hall:${hallId}`)]);
        const hallAt = new Map<number, number>(hall.tsMs.map((t: number, k: number) => [t, hall.values.itKw[k]]));
        const seconds: number[] = site.tsMs.filter((t: number) => hallAt.has(t));
        const ok = site.source === 'influx' && hall.source === 'influx' && seconds.length >= 5;
        return ok ? { site, hallAt, seconds } : notYet({ site: [site.source, site.tsMs.length], hall: [hall.source, hall.tsMs.length], both: seconds.length });
      }, 60_000);
      const { hallAt, seconds } = both;
      for (const t of seconds) expect(both.site.values.itKw[both.site.tsMs.indexOf(t)], `${hallId} at ${t}`).toBe(hallAt.get(t));
      const racks = w.spec.halls.find((h) => h.id === hallId)!.rows.flatMap((r) => r.racks).length;
      expect(Math.max(...both.site.values.racksLive)).toBe(racks);
    }
  }, 180_000);
});
