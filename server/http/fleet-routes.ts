/**
 * The fleet view's operator action: acknowledge a site's incident from the hub
 * (`POST /api/fleet/sites/{site}/incidents/{id}/ack`, operator role). The fleet view sends it down
 * the site's leaf connection to the hall shard holding the incident (server/campus/fleet-feed.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FleetView } from '../../protocol/fleet.ts';
import { roleAtLeast, type Principal } from '../auth/access.ts';
import { ACK_COMMENT_ERROR, ackComment } from './alert-routes.ts';
import { json, readJson } from './respond.ts';

export interface FleetDesk {
  view(): FleetView;
  /** Null when the owning shard stored it, else why not: 404 no such site or incident, 502 the shard did not store it. */
  acknowledge(siteKey: string, incidentId: string, by: string, comment: string): Promise<{ status: 404 | 502; error: string } | null>;
}

/** Handles the route and returns true, or returns false when the path is not this one. */
export async function fleetRoute(req: IncomingMessage, res: ServerResponse, path: string, who: Principal, fleet: FleetDesk): Promise<boolean> {
  const ack = /^\/api\/fleet\/sites\/([^/]+)\/incidents\/([^/]+)\/ack$/.exec(path);
  if (!ack) return false;
  if (!roleAtLeast(who.role, 'operator')) return json(res, 403, { error: `the operator role is needed; ${who.name} is a ${who.role}` }), true;
  if (req.method !== 'POST') return json(res, 405, { error: `method ${req.method} not allowed on ${path}` }), true;
  const body = await readJson(req, 4096);
  if (!body.ok) return json(res, 400, { error: body.error }), true;
  const comment = ackComment(body.value);
  if (comment === null) return json(res, 400, { error: ACK_COMMENT_ERROR }), true;
  const err = await fleet.acknowledge(decodeURIComponent(ack[1]), decodeURIComponent(ack[2]), who.name, comment);
  return (err ? json(res, err.status, { error: err.error }) : json(res, 200, { ok: true })), true;
}
