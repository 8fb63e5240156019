/**
 * Requests to a site's hall shards over NATS (`hallwatch.campus.{site}.req.{shard}.…`), as the
 * campus view and the fleet view on a hub send them: one request, and a silence kept by every
 * shard under one ID, so that it is listed once and removed everywhere.
 */
import type { NatsConnection } from 'nats';
import type { Silence } from '../../protocol/alerts.ts';
import type { ShardAnswer, ShardRequestBody } from '../../protocol/campus.ts';
import { shardRequestSubject, type ShardRequest } from '../../protocol/campus-subjects.ts';
import type { NewSilence } from '../alerts/silence-book.ts';
import { readJsonMessage } from './json-message.ts';

/** Sends `body` to `shard` of `siteKey` and reads its answer; throws when none comes within `timeoutMs`. */
export async function askShard(
  nc: NatsConnection, siteKey: string, shard: string, req: ShardRequest, body: ShardRequestBody, timeoutMs: number,
): Promise<ShardAnswer> {
  const m = await nc.request(shardRequestSubject(siteKey, shard, req), new TextEncoder().encode(JSON.stringify(body)), { timeout: timeoutMs });
  return readJsonMessage(m) as ShardAnswer;
}

type Ask = (shard: string, body: ShardRequestBody) => Promise<ShardAnswer>;

/**
 * Stores `s` on every shard under one ID (made here when `s` has none): the stored silence, or an
 * error when no shard stored it (none reachable).
 */
export async function addSilenceOnShards(shards: readonly string[], ask: Ask, s: NewSilence, nowMs: number): Promise<Silence> {
  const silence = { ...s, id: s.id ?? `silence-${nowMs}-${Math.floor(Math.random() * 1e6)}` };
  const answers = await Promise.allSettled(shards.map((shard) => ask(shard, { req: 'silence', op: 'add', silence })));
  const made = answers.find((a): a is PromiseFulfilledResult<ShardAnswer> => a.status === 'fulfilled' && a.value.status === 200);
  if (!made) throw new Error('no hall shard stored the silence');
  return made.value.body as Silence;
}

/** Removes silence `id` from the shards holding it; whether one did. */
export async function removeSilenceOnShards(holders: readonly string[], ask: Ask, id: string, by: string): Promise<boolean> {
  const answers = await Promise.allSettled(holders.map((shard) => ask(shard, { req: 'silence', op: 'remove', id, by })));
  return answers.some((a) => a.status === 'fulfilled' && a.value.status === 200);
}
