/**
 * NATS subjects of a campus (docs/campus.md). Hall shards publish what they derive — live state,
 * totals, incidents, a beat — under `hallwatch.campus.{siteKey}.…`; the campus view reads them and
 * asks the owning shard for acks and history. Raw telemetry stays under the MQTT bridge's
 * `hallwatch.v1.…` and never leaves its site: a hub imports only `hallwatch.campus.>`.
 */

/** Every derived subject starts with this. */
export const CAMPUS_PREFIX = 'hallwatch.campus';

/** A subject token from a site's name: lower case, letters, digits and '-' only ("Hall A" → "hall-a"). */
export function siteKey(siteName: string): string {
  const key = siteName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return key || 'site';
}

/**
 * A shard's ID: its halls, sorted and joined with '_' ("h1_h2"). It is one token of the shard's
 * subjects, so a '.' of a hall ID (a valid ID, but a subject separator) becomes '~', which no ID has.
 */
export function shardId(hallIds: readonly string[]): string {
  return [...hallIds].sort().join('_').replaceAll('.', '~');
}

/** What a shard publishes; `*` in place of the shard ID subscribes to every shard of the site. */
export type ShardTopic = 'beat' | 'live' | 'alerts';

export function shardSubject(site: string, shard: string, topic: ShardTopic): string {
  return `${CAMPUS_PREFIX}.${site}.shard.${shard}.${topic}`;
}

/** Requests a shard answers (request/reply). */
export type ShardRequest = 'ack' | 'silence' | 'history' | 'detail';

export function shardRequestSubject(site: string, shard: string, req: ShardRequest): string {
  return `${CAMPUS_PREFIX}.${site}.req.${shard}.${req}`;
}

/** Every derived subject of every site: what a hub imports from its sites. */
export const ALL_CAMPUS_SUBJECTS = `${CAMPUS_PREFIX}.>`;
