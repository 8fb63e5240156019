/**
 * The fleet view's operator actions on a site, from the hub (operator role): acknowledge an
 * incident (`POST /api/fleet/sites/{site}/incidents/{id}/ack`), add a silence
 * (`POST /api/fleet/sites/{site}/silences`, the body of `POST /api/silences`) or remove one
 * (`DELETE /api/fleet/sites/{site}/silences/{id}`). The fleet view sends them down the site's leaf
 * connection to its hall shards (server/campus/fleet-feed.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FleetView } from '../../protocol/fleet.ts';
import type { Silence } from '../../protocol/alerts.ts';
import type { NewSilence } from '../alerts/silence-book.ts';
import { parseSilenceRequest } from '../alerts/silences.ts';
import { roleAtLeast, type Principal } from '../auth/access.ts';
import { ACK_COMMENT_ERROR, ackComment } from './alert-routes.ts';
import { json, readJson } from './respond.ts';

/** Why the fleet view did not do it: 404 no such site or incident, 502 no shard of the site stored it. */
export interface FleetRefusal {
  status: 404 | 502;
  error: string;
}

export interface FleetDesk {
  view(): FleetView;
  /** Null when the owning shard stored it. */
  acknowledge(siteKey: string, incidentId: string, by: string, comment: string): Promise<FleetRefusal | null>;
  /** The silence as the site's shards keep it. */
  addSilence(siteKey: string, s: NewSilence): Promise<Silence | FleetRefusal>;
  /** Whether a shard of the site held it and removed it. */
  removeSilence(siteKey: string, id: string, by: string): Promise<boolean>;
}

/** Handles the route and returns true, or returns false when the path is not one of these. */
export async function fleetRoute(req: IncomingMessage, res: ServerResponse, path: string, who: Principal, fleet: FleetDesk, nowMs: number): Promise<boolean> {
  const ack = /^\/api\/fleet\/sites\/([^/]+)\/incidents\/([^/]+)\/ack$/.exec(path);
  const silence = /^\/api\/fleet\/sites\/([^/]+)\/silences(?:\/([^/]+))?$/.exec(path);
  if (!ack && !silence) return false;
  if (!roleAtLeast(who.role, 'operator')) return json(res, 403, { error: `the operator role is needed; ${who.name} is a ${who.role}` }), true;
  const site = decodeURIComponent((ack ?? silence)![1]);
  if (silence && req.method === 'DELETE') {
    if (!silence[2]) return json(res, 400, { error: 'silence ID missing in the path' }), true;
    const id = decodeURIComponent(silence[2]);
    return ((await fleet.removeSilence(site, id, who.name)) ? json(res, 200, { ok: true }) : json(res, 404, { error: `no silence "${id}" on site ${site}` })), true;
  }
  if (req.method !== 'POST' || (silence && silence[2])) return json(res, 405, { error: `method ${req.method} not allowed on ${path}` }), true;
  const body = await readJson(req, 4096);
  if (!body.ok) return json(res, 400, { error: body.error }), true;
  if (silence) {
    const s = parseSilenceRequest(body.value, nowMs);
    if (!s.ok) return json(res, 400, { error: s.message }), true;
    const made = await fleet.addSilence(site, { ...s.value, by: who.name });
    return ('error' in made ? json(res, made.status, { error: made.error }) : json(res, 200, made)), true;
  }
  const comment = ackComment(body.value);
  if (comment === null) return json(res, 400, { error: ACK_COMMENT_ERROR }), true;
  const err = await fleet.acknowledge(site, decodeURIComponent(ack![2]), who.name, comment);
  return (err ? json(res, err.status, { error: err.error }) : json(res, 200, { ok: true })), true;
}
