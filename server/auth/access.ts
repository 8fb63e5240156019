/**
 * Who may do what. Roles: viewer (look), operator (acknowledge, silence), admin (rules, users,
 * tokens). Credentials: the admin token given at start (`HALLWATCH_ADMIN_TOKEN`), stored API
 * tokens, a signed session cookie from `POST /api/login` with a local user's password, or a
 * signed, revocable, read-only display token (wall screens; also accepted as `?token=` because a
 * kiosk browser cannot send headers). Failed logins are rate-limited (login-limiter.ts). A
 * session carries a stamp of its user's password hash: changing the password or deleting the
 * user ends every session of theirs at its next check (open WebSockets: within `--ws-auth-recheck-ms`).
 * Two servers sharing the users document (`--cluster`) accept each other's sessions and tokens:
 * each follows the other's changes, and a change another server made to the same user or token
 * meanwhile is a conflict (user-edits.ts).
 */
import type { IncomingMessage } from 'node:http';
import { SavedDocument, type Edit } from '../storage/saved-document.ts';
import { hashPassword, hashToken, randomSecret, sameSecret, verifyPassword } from './passwords.ts';
import { ROLES, type AuthResult, type Principal, type Role } from './roles.ts';
import { LoginLimiter } from './login-limiter.ts';
import { DISPLAY_TOKEN_PREFIX, passwordStamp, readDisplayToken, readSession, signDisplayToken, signSession } from './signed-tokens.ts';
import type { StoredDisplayToken, StoredUser, UsersDocument, UserStore } from './user-store.ts';
import { addDisplayToken, putToken, putUser, removeToken, removeUser, revokeDisplayToken, withSecrets } from './user-edits.ts';

export { ROLES, roleAtLeast, type AuthResult, type Principal, type Role } from './roles.ts';
export { LOGIN_FAILURES_PER_USER_PER_MIN } from './login-limiter.ts';
export { DISPLAY_TOKEN_PREFIX } from './signed-tokens.ts';

export const SESSION_COOKIE = 'hallwatch_session';
const SESSION_TTL_MS = 12 * 3_600_000;

export interface AccessDeps {
  store: UserStore;
  /** Accepted as `Authorization: Bearer …` with the admin role; empty = none. */
  adminToken: string;
  /** `--auth off`: everyone is an admin. */
  disabled: boolean;
  clock?: () => number;
  /** Told when users or tokens changed, here or on another server (open WebSockets are checked again at once). */
  changed?: () => void;
}

export class Access {
  /** `--auth off`: everyone is an admin. */
  readonly disabled: boolean;
  private readonly saved: SavedDocument<UsersDocument>;
  private readonly adminToken: string;
  private readonly clock: () => number;
  private readonly changed: () => void;
  /** Empty until `start()` loads it. */
  private doc: Required<UsersDocument> = { version: 1, sessionSecret: '', users: [], tokens: [], displaySecret: '', displayTokens: [] };
  private readonly limiter = new LoginLimiter();
  /** A hash that unknown users' logins are checked against, so timing does not reveal who exists. */
  private dummyHash = '';
  private unwatch: (() => void) | null = null;

  constructor(deps: AccessDeps) {
    this.saved = new SavedDocument(deps.store);
    this.adminToken = deps.adminToken;
    this.disabled = deps.disabled;
    this.clock = deps.clock ?? Date.now;
    this.changed = deps.changed ?? (() => undefined);
  }

  /**
   * Loads users and tokens (a first start creates the signing secrets and stores them), then
   * follows the changes another server makes to them.
   */
  async start(): Promise<void> {
    this.dummyHash = await hashPassword('hallwatch-timing-equaliser');
    this.adopt(await this.saved.load());
    await this.edit(withSecrets(() => randomSecret(32)));
    this.unwatch = this.saved.watch((d) => {
      // A deleted document is written again, whole, by the next change made here.
      if (!d) return;
      this.adopt(d);
      this.changed();
    });
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = null;
  }

  private adopt(d: UsersDocument | null): void {
    if (d) this.doc = { ...d, displaySecret: d.displaySecret ?? '', displayTokens: d.displayTokens ?? [] };
  }

  /** Stores a change; rejects with EditConflictError when another server changed the same user or token. */
  private async edit(e: Edit<UsersDocument>): Promise<void> {
    await this.saved.edit(e, () => (this.doc.sessionSecret ? this.doc : null), (d) => this.adopt(d));
    this.changed();
  }

  get hasUsers(): boolean {
    return this.doc.users.length > 0;
  }

  /** Creates or replaces a local user; resolves once stored. */
  async setUser(name: string, role: Role, password: string): Promise<void> {
    const passwordHash = await hashPassword(password);
    await this.edit(putUser({ name, role, passwordHash }));
  }

  listUsers(): { name: string; role: Role }[] {
    return this.doc.users.map((u) => ({ name: u.name, role: u.role }));
  }

  /** Removes a user; their sessions end with them. */
  async deleteUser(name: string): Promise<boolean> {
    if (!this.doc.users.some((u) => u.name === name)) return false;
    await this.edit(removeUser(name));
    return true;
  }

  /** Issues an API token (returned once; only its hash is stored). Names are unique. */
  async createToken(name: string, role: Role): Promise<string> {
    const token = `hw_${randomSecret(24)}`;
    await this.edit(putToken({ name, role, tokenHash: hashToken(token), createdMs: this.clock() }));
    return token;
  }

  listTokens(): { name: string; role: Role; createdMs: number }[] {
    return this.doc.tokens.map((t) => ({ name: t.name, role: t.role, createdMs: t.createdMs }));
  }

  async revokeToken(name: string): Promise<boolean> {
    if (!this.doc.tokens.some((t) => t.name === name)) return false;
    await this.edit(removeToken(name));
    return true;
  }

  /** Issues a signed display token for a wall screen: read-only, revocable, optionally expiring. */
  async createDisplayToken(name: string, ttlMs: number | null, createdBy: string): Promise<{ id: string; token: string; expiresMs: number }> {
    const now = this.clock();
    const id = randomSecret(9);
    const expiresMs = ttlMs ? now + ttlMs : 0;
    await this.edit(addDisplayToken({ id, name, createdMs: now, expiresMs, createdBy }));
    return { id, token: signDisplayToken(this.doc.displaySecret, id, expiresMs), expiresMs };
  }

  listDisplayTokens(): StoredDisplayToken[] {
    return this.doc.displayTokens.map((t) => ({ ...t }));
  }

  async revokeDisplayToken(id: string): Promise<boolean> {
    const t = this.doc.displayTokens.find((x) => x.id === id);
    if (!t || t.revokedMs) return false;
    await this.edit(revokeDisplayToken(id, this.clock()));
    return true;
  }

  /** The principal of a request, or the reason it is refused (→ 401). */
  check(req: IncomingMessage): AuthResult {
    if (this.disabled) return { ok: true, principal: { name: 'anonymous (auth off)', role: 'admin' } };
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const queryToken = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
    if (bearer?.startsWith(DISPLAY_TOKEN_PREFIX)) return this.verifyDisplay(bearer);
    if (bearer) {
      if (this.adminToken && sameSecret(bearer, this.adminToken)) return { ok: true, principal: { name: 'admin-token', role: 'admin' } };
      const h = hashToken(bearer);
      const t = this.doc.tokens.find((x) => sameSecret(x.tokenHash, h));
      return t ? { ok: true, principal: { name: t.name, role: t.role } } : { ok: false, error: 'unknown or revoked API token' };
    }
    // Only display tokens travel in URLs: they are read-only and revocable.
    if (queryToken) {
      return queryToken.startsWith(DISPLAY_TOKEN_PREFIX) ? this.verifyDisplay(queryToken) : { ok: false, error: 'only display tokens are accepted in the URL' };
    }
    const cookie = (req.headers.cookie ?? '').split(';').map((c) => c.trim()).find((c) => c.startsWith(SESSION_COOKIE + '='));
    if (!cookie) return { ok: false, error: 'authentication required: log in, or send Authorization: Bearer <token>' };
    const p = this.verifySession(decodeURIComponent(cookie.slice(SESSION_COOKIE.length + 1)));
    return p ? { ok: true, principal: p } : { ok: false, error: 'session expired or ended; log in again' };
  }

  private verifyDisplay(token: string): AuthResult {
    const claims = readDisplayToken(this.doc.displaySecret, token);
    if ('error' in claims) return { ok: false, error: claims.error };
    const t = this.doc.displayTokens.find((x) => x.id === claims.id);
    if (!t) return { ok: false, error: 'display token deleted' };
    if (t.revokedMs) return { ok: false, error: `display token "${t.name}" was revoked` };
    if (t.expiresMs && t.expiresMs <= this.clock()) return { ok: false, error: `display token "${t.name}" expired at ${new Date(t.expiresMs).toISOString()}` };
    return { ok: true, principal: { name: `display:${t.name}`, role: 'viewer', displayTokenId: t.id } };
  }

  /** Checks a password login: a session cookie, or the reason and HTTP status when refused (rate limit included). */
  async login(name: string, password: string, clientAddress: string): Promise<{ cookie: string; principal: Principal } | { error: string; status: number }> {
    const now = this.clock();
    const refusal = this.limiter.refusal(clientAddress, name, now);
    if (refusal) return { error: refusal, status: 429 };
    const user = this.doc.users.find((u) => u.name === name);
    const ok = await verifyPassword(password, user?.passwordHash ?? this.dummyHash);
    if (!ok || !user) {
      this.limiter.failed(clientAddress, name, now);
      return { error: 'unknown user or wrong password', status: 401 };
    }
    this.limiter.succeeded(clientAddress);
    const principal = { name: user.name, role: user.role };
    return { cookie: signSession(this.doc.sessionSecret, { ...principal, expiresMs: now + SESSION_TTL_MS, passwordStamp: this.stampOf(user) }), principal };
  }

  private stampOf(user: StoredUser): string {
    return passwordStamp(this.doc.sessionSecret, user.passwordHash);
  }

  private verifySession(value: string): Principal | null {
    const c = readSession(this.doc.sessionSecret, value);
    if (!c || c.expiresMs < this.clock() || !ROLES.includes(c.role)) return null;
    // A removed user's session ends with the user; a new password ends the sessions of the old one.
    const user = this.doc.users.find((u) => u.name === c.name);
    return user && c.passwordStamp === this.stampOf(user) ? { name: c.name, role: user.role } : null;
  }
}
