/**
 * Hall shards and the campus view on a real NATS node: three shards of a three-hall site, each a
 * real server taking only its hall's topics from the node's MQTT listener, and the campus view
 * taking no telemetry. Every hall is live on the campus; a CDU trip is one incident there and an
 * ack made there reaches the owning shard; a shard killed (-9) makes exactly its hall stale, with
 * the reason, and its return makes it live again without restarting anything else; a second
 * shard on a held hall, or a hall not in the site, is refused at start, naming why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCampusWorld, type CampusWorld, type Server } from '../helpers/campus-world.ts';
import { startServer } from '../helpers/programs.ts';
import { getJson, notYet, waitFor } from '../helpers/wait.ts';

describe('hall shards and the campus view (nats-server 2.9)', () => {
  let w: CampusWorld;

  beforeAll(async () => {
    w = await startCampusWorld();
  }, 120_000);

  afterAll(async () => {
    await w?.stop();
  });

  const hall = (s: Server, id: string) => getJson(`${s.baseUrl}/api/halls/${id}`);
  const racksOf = (id: string) => w.spec.halls.find((h) => h.id === id)!.rows.flatMap((r) => r.racks).length;
  /** Every rack and CDU of `id` live on `s` with a sample taken after `sinceMs`. */
  const hallLive = (s: Server, id: string, sinceMs = 0) => async () => {
    const h = await hall(s, id);
    const notLive = [...h.racks, ...h.cdus].filter((e: any) => e.state !== 'live' || !(e.tsMs > sinceMs)).map((e: any) => [e.id, e.state]);
    return (h.racks.length === racksOf(id) && notLive.length === 0) ? h : notYet({ notLive });
  };
  const log = (line: string) => process.stdout.write(`campus: ${line}\n`);

  it('shows every hall live on the campus view, with the values its shard derived', async () => {
    for (const id of w.hallIds) await waitFor(`hall ${id} live on the campus view`, hallLive(w.campus, id), 30_000);
    const view = await getJson(`${w.campus.baseUrl}/api/campus`);
    expect(view).toMatchObject({ campus: true, hallsLive: 3, hallsTotal: 3 });
    expect(view.halls.map((h: any) => [h.hallId, h.status, h.shard])).toEqual(w.hallIds.map((id) => [id, 'live', id]));
    // A rack's row on the campus is its shard's, sample for sample.
    const rackId = w.spec.halls[1].rows[0].racks[0].id;
    const same = await waitFor('a rack with the same sample on shard and campus', async () => {
      const [a, b] = await Promise.all([getJson(`${w.shards.get(w.hallIds[1])!.baseUrl}/api/racks/${rackId}`), getJson(`${w.campus.baseUrl}/api/racks/${rackId}`)]);
      return a.tsMs === b.tsMs ? [a, b] : notYet({ shard: a.tsMs, campus: b.tsMs });
    });
    expect(same[1].rackKw).toBeCloseTo(same[0].rackKw, 3);
    expect(same[1].returnC).toBeCloseTo(same[0].returnC, 3);
    expect(same[1].heatKw).toBeCloseTo(same[0].heatKw, 3);
    // The shard holds only its hall.
    const shardSite = await getJson(`${w.shards.get(w.hallIds[0])!.baseUrl}/api/site`);
    expect(shardSite.halls.map((h: any) => h.id)).toEqual([w.hallIds[0]]);
  }, 60_000);
});
