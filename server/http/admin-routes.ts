/**
 * Admin API (`/api/admin/…`, admin role): local users, API tokens, display tokens for walls,
 * the alert rules file, and named wall layouts. Secrets are returned once, at creation.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AlertDesk } from '../alerts/alert-desk.ts';
import { ROLES, roleAtLeast, type Access, type Principal, type Role } from '../auth/access.ts';
import type { WallLayouts } from '../wall/layouts.ts';
import { parseWallLayout } from '../../protocol/wall.ts';
import { json, readJson } from './respond.ts';

export interface AdminDeps {
  access: Access;
  alerts: AlertDesk | null;
  layouts: WallLayouts;
  hallIds: string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
type Obj = Record<string, unknown>;

async function body(req: IncomingMessage, res: ServerResponse, maxBytes = 4096): Promise<Obj | null> {
  const b = await readJson(req, maxBytes);
  if (!b.ok) return json(res, 400, { error: b.error }), null;
  if (typeof b.value !== 'object' || b.value === null || Array.isArray(b.value)) return json(res, 400, { error: 'body: a JSON object is required' }), null;
  return b.value as Obj;
}

/** Handles `/api/admin/…`; returns false when the path is not an admin path. */
export async function adminRoute(req: IncomingMessage, res: ServerResponse, path: string, who: Principal, d: AdminDeps): Promise<boolean> {
  if (!path.startsWith('/api/admin/')) return false;
  if (!roleAtLeast(who.role, 'admin')) return json(res, 403, { error: `the admin role is needed; ${who.name} is a ${who.role}` }), true;
  const [, , , section, rawName] = path.split('/');
  const name = rawName === undefined ? undefined : decodeURIComponent(rawName);
  const m = req.method;
  const key = `${m} ${section}${name === undefined ? '' : '/:name'}`;
  switch (key) {
    case 'GET users':
      return json(res, 200, d.access.listUsers()), true;
    case 'PUT users/:name': {
      if (!NAME.test(name!)) return json(res, 400, { error: 'name: letters, digits and . _ @ -, at most 64' }), true;
      const b = await body(req, res);
      if (!b) return true;
      if (!ROLES.includes(b.role as Role)) return json(res, 400, { error: `role: one of ${ROLES.join(', ')}` }), true;
      if (typeof b.password !== 'string' || b.password.length < 12 || b.password.length > 200) {
        return json(res, 400, { error: 'password: at least 12 characters' }), true;
      }
      await d.access.setUser(name!, b.role as Role, b.password);
      return json(res, 200, { name, role: b.role }), true;
    }
    case 'DELETE users/:name':
      if (name === who.name) return json(res, 400, { error: 'you cannot delete yourself' }), true;
      return ((await d.access.deleteUser(name!)) ? json(res, 200, { ok: true }) : json(res, 404, { error: `no user "${name}"` })), true;
    case 'GET tokens':
      return json(res, 200, d.access.listTokens()), true;
    case 'POST tokens': {
      const b = await body(req, res);
      if (!b) return true;
      if (typeof b.name !== 'string' || !NAME.test(b.name)) return json(res, 400, { error: 'name: letters, digits and . _ @ -, at most 64' }), true;
      if (!ROLES.includes(b.role as Role)) return json(res, 400, { error: `role: one of ${ROLES.join(', ')}` }), true;
      return json(res, 200, { name: b.name, role: b.role, token: await d.access.createToken(b.name, b.role as Role) }), true;
    }
    case 'DELETE tokens/:name':
      return ((await d.access.revokeToken(name!)) ? json(res, 200, { ok: true }) : json(res, 404, { error: `no API token "${name}"` })), true;
    case 'GET display-tokens':
      return json(res, 200, d.access.listDisplayTokens()), true;
    case 'POST display-tokens': {
      const b = await body(req, res);
      if (!b) return true;
      if (typeof b.name !== 'string' || !NAME.test(b.name)) {
        return json(res, 400, { error: 'name: letters, digits and . _ @ -, at most 64 (e.g. the wall it is for)' }), true;
      }
      const days = b.expiresInDays ?? null;
      if (days !== null && (typeof days !== 'number' || !(days > 0) || days > 3650)) {
        return json(res, 400, { error: 'expiresInDays: a number of days up to 3650, or null for no expiry' }), true;
      }
      const t = await d.access.createDisplayToken(b.name, days === null ? null : days * 86_400_000, who.name);
      return json(res, 200, { ...t, name: b.name, wallPath: `/wall?token=${encodeURIComponent(t.token)}` }), true;
    }
    case 'DELETE display-tokens/:name':
      if (!(await d.access.revokeDisplayToken(name!))) return json(res, 404, { error: `no active display token with ID "${name}"` }), true;
      return json(res, 200, { ok: true }), true;
    case 'GET rules':
      return (d.alerts?.rules ? json(res, 200, await d.alerts.rules.stored()) : json(res, 404, { error: 'alerts are not running' })), true;
    case 'PUT rules': {
      if (!d.alerts?.rules) return json(res, 404, { error: 'alerts are not running here (the campus view: each hall shard has its own rules)' }), true;
      const b = await readJson(req, 1_000_000);
      if (!b.ok) return json(res, 400, { error: b.error }), true;
      const err = await d.alerts.rules.replace(b.value, who.name);
      return (err ? json(res, 400, { error: err }) : json(res, 200, { ok: true })), true;
    }
    case 'PUT wall-layouts/:name': {
      const b = await body(req, res);
      if (!b) return true;
      const l = parseWallLayout(name!, b, d.hallIds);
      if (!l.ok) return json(res, 400, { error: l.message }), true;
      await d.layouts.put(l.value);
      return json(res, 200, l.value), true;
    }
    case 'DELETE wall-layouts/:name':
      return ((await d.layouts.delete(name!)) ? json(res, 200, { ok: true }) : json(res, 404, { error: `no wall layout "${name}"` })), true;
    default:
      return json(res, 404, { error: `no admin route ${m} ${path}` }), true;
  }
}
