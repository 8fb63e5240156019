/**
 * The signed credentials: session cookies (`payload.signature`, HMAC-SHA256 with the session
 * secret) and display tokens (`hwd_payload.signature`, with the display secret). Pure: the
 * caller looks up the user or token the claims name.
 */
import { createHmac } from 'node:crypto';
import { sameSecret } from './passwords.ts';
import type { Role } from './roles.ts';

export const DISPLAY_TOKEN_PREFIX = 'hwd_';

/** What a session cookie says: who, with which role, until when, and a stamp of their password hash. */
export interface SessionClaims {
  name: string;
  role: Role;
  expiresMs: number;
  passwordStamp?: string;
}

function hmac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('base64url');
}

/** Changes with every password set for a user: sessions signed before it no longer verify. */
export function passwordStamp(sessionSecret: string, passwordHash: string): string {
  return hmac(sessionSecret, 'password:' + passwordHash).slice(0, 16);
}

export function signSession(sessionSecret: string, c: SessionClaims): string {
  const payload = Buffer.from(JSON.stringify({ n: c.name, r: c.role, e: c.expiresMs, p: c.passwordStamp })).toString('base64url');
  return `${payload}.${hmac(sessionSecret, payload)}`;
}

/** The claims of a well-signed session cookie, or null. */
export function readSession(sessionSecret: string, value: string): SessionClaims | null {
  const [payload, sig] = value.split('.');
  if (!payload || !sig || !sameSecret(sig, hmac(sessionSecret, payload))) return null;
  try {
    const { n, r, e, p } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { n: string; r: Role; e: number; p?: string };
    return { name: n, role: r, expiresMs: e, passwordStamp: p };
  } catch {
    return null;
  }
}

export function signDisplayToken(displaySecret: string, id: string, expiresMs: number): string {
  const payload = Buffer.from(JSON.stringify({ i: id, e: expiresMs })).toString('base64url');
  return `${DISPLAY_TOKEN_PREFIX}${payload}.${hmac(displaySecret, 'display:' + payload)}`;
}

/** The token ID of a well-signed display token, or the reason it is not valid. */
export function readDisplayToken(displaySecret: string, token: string): { id: string } | { error: string } {
  const [payload, sig] = token.slice(DISPLAY_TOKEN_PREFIX.length).split('.');
  if (!payload || !sig || !sameSecret(sig, hmac(displaySecret, 'display:' + payload))) return { error: 'display token not valid (bad signature)' };
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { i: string };
    return { id: claims.i };
  } catch {
    return { error: 'display token not valid' };
  }
}
