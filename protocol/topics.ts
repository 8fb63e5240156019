/**
 * MQTT topic contract (docs/protocol.md):
 *   {root}/{hallId}/rack/{rackId}/telemetry   JSON sample, QoS 0, ~1 Hz
 *   {root}/{hallId}/cdu/{cduId}/telemetry     JSON sample, QoS 0, ~1 Hz
 *   {root}/{hallId}/rack/{rackId}/status      retained "online" | "offline" (Last Will)
 *   {root}/{hallId}/cdu/{cduId}/status        retained "online" | "offline" (Last Will)
 * The root defaults to `hallwatch/v1` and is configurable.
 */

/** Default topic root; every Hallwatch topic starts with it. */
export const DEFAULT_TOPIC_ROOT = 'hallwatch/v1';

export type EntityKind = 'rack' | 'cdu';
export type Channel = 'telemetry' | 'status';

export interface ParsedTopic {
  hallId: string;
  kind: EntityKind;
  id: string;
  channel: Channel;
}

/** IDs are path segments: no MQTT wildcards, separators or whitespace. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && ID_PATTERN.test(id);
}

export function entityTopic(root: string, hallId: string, kind: EntityKind, id: string, channel: Channel): string {
  return `${root}/${hallId}/${kind}/${id}/${channel}`;
}

/** Subscription filters covering every telemetry and status topic under `root`, or only those of `hallIds` (a hall shard). */
export function subscriptionFilters(root: string, hallIds?: readonly string[]): string[] {
  const halls = hallIds ?? ['+'];
  return halls.flatMap((h) => [`${root}/${h}/rack/+/+`, `${root}/${h}/cdu/+/+`]);
}

/** Topic on which a simulator accepts fault commands (JSON, see simulators/faults.ts). */
export function simulatorControlTopic(root: string): string {
  return `${root}/sim/control`;
}

/**
 * Splits a topic into its parts; null when it is not one of the entity topics under `root`
 * or an ID is not a valid ID.
 */
export function parseTopic(root: string, topic: string): ParsedTopic | null {
  if (!topic.startsWith(root + '/')) return null;
  const parts = topic.slice(root.length + 1).split('/');
  if (parts.length !== 4) return null;
  const [hallId, kind, id, channel] = parts;
  if (kind !== 'rack' && kind !== 'cdu') return null;
  if (channel !== 'telemetry' && channel !== 'status') return null;
  if (!isValidId(hallId) || !isValidId(id)) return null;
  return { hallId, kind, id, channel };
}
