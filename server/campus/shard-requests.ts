/**
 * A hall shard's answers to the campus view's requests: acknowledge an incident, add or remove a
 * silence, read history — as its own API would answer them (status and body).
 */
import type { ShardAnswer } from '../../protocol/campus.ts';
import type { NewSilence } from '../alerts/silence-book.ts';
import type { AlertDesk } from '../alerts/alert-desk.ts';
import type { RouteAnswer } from '../http/history-routes.ts';
import { EditConflictError } from '../storage/store.ts';
import type { RackDetail } from '../state/entity-detail.ts';
import type { ShardRequest } from '../../protocol/campus-subjects.ts';

export interface ShardRequestDeps {
  alerts: AlertDesk;
  history: (path: string, params: URLSearchParams) => Promise<RouteAnswer | null>;
  /** A rack's detail beyond the wire columns (its GPUs), null before its first sample or for a rack not in the shard. */
  detail: (rackId: string) => RackDetail | null;
}

function body(data: Uint8Array): Record<string, unknown> | null {
  try {
    const v = JSON.parse(new TextDecoder().decode(data)) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const str = (v: unknown): v is string => typeof v === 'string';

export async function shardReply(req: ShardRequest, data: Uint8Array, d: ShardRequestDeps): Promise<ShardAnswer> {
  const b = body(data);
  if (!b) return { status: 400, body: { error: `${req} request: not a JSON object` } };
  try {
    if (req === 'ack') {
      if (!str(b.incidentId) || !str(b.by) || !str(b.comment)) return { status: 400, body: { error: 'ack request: incidentId, by and comment: strings required' } };
      const err = await d.alerts.acknowledge(b.incidentId, b.by, b.comment);
      return err ? { status: 404, body: { error: err } } : { status: 200, body: { ok: true } };
    }
    if (req === 'silence') {
      if (b.op === 'remove' && str(b.id) && str(b.by)) {
        return (await d.alerts.removeSilence(b.id, b.by)) ? { status: 200, body: { ok: true } } : { status: 404, body: { error: `no silence "${b.id}"` } };
      }
      const s = b.silence as NewSilence | undefined;
      if (b.op !== 'add' || !s || !str(s.matcher) || !str(s.by)) return { status: 400, body: { error: 'silence request: op add with a silence, or op remove with id and by' } };
      if (s.id !== undefined && !(str(s.id) && /^[A-Za-z0-9._-]{1,80}$/.test(s.id))) return { status: 400, body: { error: 'silence request: id: letters, digits, . _ - (at most 80)' } };
      return { status: 200, body: await d.alerts.addSilence(s) };
    }
    if (req === 'detail') {
      if (!str(b.rackId)) return { status: 400, body: { error: 'detail request: rackId: string required' } };
      const detail = d.detail(b.rackId);
      return detail ? { status: 200, body: detail } : { status: 404, body: { error: `no detail of rack "${b.rackId}" on this shard` } };
    }
    if (!str(b.path) || !str(b.query)) return { status: 400, body: { error: 'history request: path and query: strings required' } };
    return (await d.history(b.path, new URLSearchParams(b.query))) ?? { status: 404, body: { error: `no history route ${b.path} on this shard` } };
  } catch (e) {
    if (e instanceof EditConflictError) return { status: 409, body: { error: e.message } };
    return { status: 500, body: { error: (e as Error).message } };
  }
}
