/**
 * Who may do what. Roles: viewer (look), operator (acknowledge, silence), admin (rules, users,
 * tokens). Credentials: the admin token given at start (`HALLWATCH_ADMIN_TOKEN`), stored API
 * tokens, a signed session cookie from `POST /api/login` with a local user's password, or a
 * signed, revocable, read-only display token (wall screens; also accepted as `?token=` because a
 * kiosk browser cannot send headers). Failed logins are rate-limited per client address and
 * per user name (so many addresses cannot multiply the guesses at one account). A session carries
 * a stamp of its user's password hash: changing the password or deleting the user ends every
 * session of theirs at its next check (open WebSockets: within `--ws-auth-recheck-ms`).
 */
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { hashPassword, hashToken, randomSecret, sameSecret, verifyPassword } from './passwords.ts';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  name: string;
  role: Role;
  /** Set for display tokens: read-only, re-checked on open WebSockets. */
  displayTokenId?: string;
}

/** Why a request is not let in, said to the client (e.g. a wall showing why it stopped). */
export type AuthResult = { ok: true; principal: Principal } | { ok: false; error: string };

interface StoredDisplayToken {
  id: string;
  name: string;
  createdMs: number;
  /** 0 = does not expire. */
  expiresMs: number;
  createdBy: string;
  revokedMs?: number;
}

export const DISPLAY_TOKEN_PREFIX = 'hwd_';

interface StoredUser {
  name: string;
  role: Role;
  passwordHash: string;
}

interface StoredToken {
  name: string;
  role: Role;
  tokenHash: string;
  createdMs: number;
}

interface Store {
  version: 1;
  /** Signs session cookies; rotating it logs everyone out. */
  sessionSecret: string;
  users: StoredUser[];
  tokens: StoredToken[];
  /** Signs display tokens; separate from the session secret so logging everyone out keeps the walls. */
  displaySecret?: string;
  displayTokens?: StoredDisplayToken[];
}

export const SESSION_COOKIE = 'hallwatch_session';
const SESSION_TTL_MS = 12 * 3_600_000;
/** Failed logins allowed per client address per minute. */
const LOGIN_FAILURES_PER_MIN = 5;
/** Failed logins allowed per user name per minute, from all addresses together. */
export const LOGIN_FAILURES_PER_USER_PER_MIN = 20;
/** Addresses and names whose failures are remembered; the oldest are forgotten beyond this. */
const FAILURE_KEYS_MAX = 10_000;

export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export class Access {
  private store: Store;
  private readonly failures = new Map<string, number[]>();
  private readonly userFailures = new Map<string, number[]>();

  constructor(
    private readonly path: string,
    /** Accepted as `Authorization: Bearer …` with the admin role; empty = none. */
    private readonly adminToken: string,
    /** `--auth off`: everyone is an admin (local trials only). */
    readonly disabled: boolean,
    private readonly clock: () => number = Date.now,
  ) {
    this.store = existsSync(path)
      ? (JSON.parse(readFileSync(path, 'utf8')) as Store)
      : { version: 1, sessionSecret: randomSecret(32), users: [], tokens: [] };
    const fresh = !existsSync(path) || !this.store.displaySecret;
    this.store.displaySecret ??= randomSecret(32);
    this.store.displayTokens ??= [];
    if (fresh) this.save();
  }

  private save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path + '.tmp', JSON.stringify(this.store, null, 1), { mode: 0o600 });
    renameSync(this.path + '.tmp', this.path);
  }

  get hasUsers(): boolean {
    return this.store.users.length > 0;
  }

  /** Creates or replaces a local user. */
  setUser(name: string, role: Role, password: string): void {
    this.store.users = this.store.users.filter((u) => u.name !== name);
    this.store.users.push({ name, role, passwordHash: hashPassword(password) });
    this.save();
  }

  listUsers(): { name: string; role: Role }[] {
    return this.store.users.map((u) => ({ name: u.name, role: u.role }));
  }

  /** Removes a user; their sessions end with them. */
  deleteUser(name: string): boolean {
    const before = this.store.users.length;
    this.store.users = this.store.users.filter((u) => u.name !== name);
    this.save();
    return this.store.users.length < before;
  }

  /** Issues an API token (returned once; only its hash is stored). Names are unique. */
  createToken(name: string, role: Role): string {
    const token = `hw_${randomSecret(24)}`;
    this.store.tokens = this.store.tokens.filter((t) => t.name !== name);
    this.store.tokens.push({ name, role, tokenHash: hashToken(token), createdMs: this.clock() });
    this.save();
    return token;
  }

  listTokens(): { name: string; role: Role; createdMs: number }[] {
    return this.store.tokens.map((t) => ({ name: t.name, role: t.role, createdMs: t.createdMs }));
  }

  revokeToken(name: string): boolean {
    const before = this.store.tokens.length;
    this.store.tokens = this.store.tokens.filter((t) => t.name !== name);
    this.save();
    return this.store.tokens.length < before;
  }

  /** Issues a signed display token for a wall screen: read-only, revocable, optionally expiring. */
  createDisplayToken(name: string, ttlMs: number | null, createdBy: string): { id: string; token: string; expiresMs: number } {
    const now = this.clock();
    const id = randomSecret(9);
    const expiresMs = ttlMs ? now + ttlMs : 0;
    this.store.displayTokens!.push({ id, name, createdMs: now, expiresMs, createdBy });
    this.save();
    const payload = Buffer.from(JSON.stringify({ i: id, e: expiresMs })).toString('base64url');
    return { id, token: `${DISPLAY_TOKEN_PREFIX}${payload}.${this.signDisplay(payload)}`, expiresMs };
  }

  listDisplayTokens(): StoredDisplayToken[] {
    return this.store.displayTokens!.map((t) => ({ ...t }));
  }

  revokeDisplayToken(id: string): boolean {
    const t = this.store.displayTokens!.find((x) => x.id === id);
    if (!t || t.revokedMs) return false;
    t.revokedMs = this.clock();
    this.save();
    return true;
  }

  /** The principal of a request, or null (→ 401). */
  authenticate(req: IncomingMessage): Principal | null {
    const r = this.check(req);
    return r.ok ? r.principal : null;
  }

  /** Like `authenticate`, with the reason when refused. */
  check(req: IncomingMessage): AuthResult {
    if (this.disabled) return { ok: true, principal: { name: 'anonymous (auth off)', role: 'admin' } };
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const queryToken = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
    if (bearer?.startsWith(DISPLAY_TOKEN_PREFIX)) return this.verifyDisplay(bearer);
    if (bearer) {
      if (this.adminToken && sameSecret(bearer, this.adminToken)) return { ok: true, principal: { name: 'admin-token', role: 'admin' } };
      const h = hashToken(bearer);
      const t = this.store.tokens.find((x) => sameSecret(x.tokenHash, h));
      return t ? { ok: true, principal: { name: t.name, role: t.role } } : { ok: false, error: 'unknown or revoked API token' };
    }
    // Only display tokens travel in URLs: they are read-only and revocable.
    if (queryToken) return queryToken.startsWith(DISPLAY_TOKEN_PREFIX) ? this.verifyDisplay(queryToken) : { ok: false, error: 'only display tokens are accepted in the URL' };
    const cookie = (req.headers.cookie ?? '').split(';').map((c) => c.trim()).find((c) => c.startsWith(SESSION_COOKIE + '='));
    if (!cookie) return { ok: false, error: 'authentication required: log in, or send Authorization: Bearer <token>' };
    const p = this.verifySession(decodeURIComponent(cookie.slice(SESSION_COOKIE.length + 1)));
    return p ? { ok: true, principal: p } : { ok: false, error: 'session expired or ended; log in again' };
  }

  private signDisplay(payload: string): string {
    return createHmac('sha256', this.store.displaySecret!).update('display:' + payload).digest('base64url');
  }

  private verifyDisplay(token: string): AuthResult {
    const [payload, sig] = token.slice(DISPLAY_TOKEN_PREFIX.length).split('.');
    if (!payload || !sig || !sameSecret(sig, this.signDisplay(payload))) return { ok: false, error: 'display token not valid (bad signature)' };
    let claims: { i: string; e: number };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    } catch {
      return { ok: false, error: 'display token not valid' };
    }
    const t = this.store.displayTokens!.find((x) => x.id === claims.i);
    if (!t) return { ok: false, error: 'display token deleted' };
    if (t.revokedMs) return { ok: false, error: `display token "${t.name}" was revoked` };
    if (t.expiresMs && t.expiresMs <= this.clock()) return { ok: false, error: `display token "${t.name}" expired at ${new Date(t.expiresMs).toISOString()}` };
    return { ok: true, principal: { name: `display:${t.name}`, role: 'viewer', displayTokenId: t.id } };
  }

  /** Checks a password login; null with a reason when refused (rate limit included). */
  login(name: string, password: string, clientAddress: string): { cookie: string; principal: Principal } | { error: string; status: number } {
    const now = this.clock();
    const recent = recentFailures(this.failures, clientAddress, now);
    if (recent.length >= LOGIN_FAILURES_PER_MIN) return { error: 'too many failed logins from this address; wait a minute', status: 429 };
    const recentForUser = recentFailures(this.userFailures, name, now);
    if (recentForUser.length >= LOGIN_FAILURES_PER_USER_PER_MIN) return { error: 'too many failed logins for this user; wait a minute', status: 429 };
    const user = this.store.users.find((u) => u.name === name);
    // Verify against a dummy hash for unknown users so timing does not reveal who exists.
    const ok = user ? verifyPassword(password, user.passwordHash) : (verifyPassword(password, DUMMY), false);
    if (!ok || !user) {
      remember(this.failures, clientAddress, [...recent, now]);
      remember(this.userFailures, name, [...recentForUser, now]);
      return { error: 'unknown user or wrong password', status: 401 };
    }
    this.failures.delete(clientAddress);
    const principal = { name: user.name, role: user.role };
    return { cookie: this.signSession(principal, now + SESSION_TTL_MS, this.passwordStamp(user)), principal };
  }

  /** Changes with every password set for the user: sessions signed before it no longer verify. */
  private passwordStamp(user: StoredUser): string {
    return createHmac('sha256', this.store.sessionSecret).update('password:' + user.passwordHash).digest('base64url').slice(0, 16);
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.store.sessionSecret).update(payload).digest('base64url');
  }

  private signSession(p: Principal, expiresMs: number, stamp: string): string {
    const payload = Buffer.from(JSON.stringify({ n: p.name, r: p.role, e: expiresMs, p: stamp })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  private verifySession(value: string): Principal | null {
    const [payload, sig] = value.split('.');
    if (!payload || !sig || !sameSecret(sig, this.sign(payload))) return null;
    try {
      const { n, r, e, p } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { n: string; r: Role; e: number; p?: string };
      if (e < this.clock() || !ROLES.includes(r)) return null;
      // A removed user's session ends with the user; a new password ends the sessions of the old one.
      const user = this.store.users.find((u) => u.name === n);
      return user && p === this.passwordStamp(user) ? { name: n, role: user.role } : null;
    } catch {
      return null;
    }
  }
}

const DUMMY = hashPassword('hallwatch-timing-equaliser');

function recentFailures(map: Map<string, number[]>, key: string, nowMs: number): number[] {
  return (map.get(key) ?? []).filter((t) => nowMs - t < 60_000);
}

/** Stores a key's failures as the newest entry, forgetting the oldest key beyond FAILURE_KEYS_MAX. */
function remember(map: Map<string, number[]>, key: string, times: number[]): void {
  map.delete(key);
  map.set(key, times);
  if (map.size > FAILURE_KEYS_MAX) map.delete(map.keys().next().value!);
}
