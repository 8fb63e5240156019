/** Operator actions: acknowledge an incident, add or remove a silence (operator role). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AlertDesk } from '../alerts/alert-desk.ts';
import { parseSilenceRequest } from '../alerts/silences.ts';
import { roleAtLeast, type Principal } from '../auth/access.ts';
import { json, readJson } from './respond.ts';

export const ACK_COMMENT_ERROR = 'comment: a non-empty string of at most 500 characters is required';

/** The trimmed comment of an acknowledgement's body, or null when it has none that fits. */
export function ackComment(body: unknown): string | null {
  const comment = (body as { comment?: unknown } | null)?.comment;
  return typeof comment === 'string' && comment.trim().length > 0 && comment.length <= 500 ? comment.trim() : null;
}

/** Handles the route and returns true, or returns false when the path is not one of these. */
export async function alertRoute(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  who: Principal,
  alerts: AlertDesk,
  nowMs: number,
): Promise<boolean> {
  const ack = /^\/api\/incidents\/([^/]+)\/ack$/.exec(path);
  const silence = /^\/api\/silences(?:\/([^/]+))?$/.exec(path);
  if (!ack && !silence) return false;
  if (!roleAtLeast(who.role, 'operator')) return json(res, 403, { error: `the operator role is needed; ${who.name} is a ${who.role}` }), true;
  if (silence && req.method === 'DELETE') {
    if (!silence[1]) return json(res, 400, { error: 'silence ID missing in the path' }), true;
    const found = await alerts.removeSilence(decodeURIComponent(silence[1]), who.name);
    return found ? json(res, 200, { ok: true }) : json(res, 404, { error: `no silence "${silence[1]}"` }), true;
  }
  if (req.method !== 'POST' || (silence && silence[1])) return json(res, 405, { error: `method ${req.method} not allowed on ${path}` }), true;
  const body = await readJson(req, 4096);
  if (!body.ok) return json(res, 400, { error: body.error }), true;
  if (ack) {
    const comment = ackComment(body.value);
    if (comment === null) return json(res, 400, { error: ACK_COMMENT_ERROR }), true;
    const err = await alerts.acknowledge(decodeURIComponent(ack[1]), who.name, comment);
    return err ? json(res, 404, { error: err }) : json(res, 200, { ok: true }), true;
  }
  const s = parseSilenceRequest(body.value, nowMs);
  if (!s.ok) return json(res, 400, { error: s.message }), true;
  return json(res, 200, await alerts.addSilence({ ...s.value, by: who.name })), true;
}
