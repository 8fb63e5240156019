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
 * A hall ID as a NATS token: letters, digits, '_' and '-' only, and one-to-one. A '_' becomes
 * "__" and a '.' (a subject separator) "_-"; an ID never starts with '_' or '-', so a '_' before a
 * letter or digit is never part of one (`shardId` joins with it). IDs without '.' or '_' stay as
 * they are ("hall-1").
 */
export function hallToken(hallId: string): string {
  return hallId.replaceAll('_', '__').replaceAll('.', '_-');
}

/**
 * A shard's ID: its halls' tokens, sorted and joined with '_' ("h1_h2"). It is one token of the
 * shard's subjects and names its pair's buckets and streams, so two shards with different halls
 * never share one: halls ["a_b"] give "a__b", halls ["a", "b"] give "a_b".
 */
export function shardId(hallIds: readonly string[]): string {
  return [...hallIds].sort().map(hallToken).join('_');
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
