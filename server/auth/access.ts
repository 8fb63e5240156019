/**
 * Who may do what. Roles: viewer (look), operator (acknowledge, silence), admin (rules, users,
 * tokens). Credentials: the admin token given at start (`HALLWATCH_ADMIN_TOKEN`), stored API
 * tokens, or a signed session cookie from `POST /api/login` with a local user's password.
 * Failed logins are rate-limited per client address.
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
}

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
}

export const SESSION_COOKIE = 'hallwatch_session';
const SESSION_TTL_MS = 12 * 3_600_000;
/** Failed logins allowed per client address per minute. */
const LOGIN_FAILURES_PER_MIN = 5;

export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export class Access {
  private store: Store;
  private readonly failures = new Map<string, number[]>();

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
    if (!existsSync(path)) this.save();
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

  /** Issues an API token (returned once; only its hash is stored). */
  createToken(name: string, role: Role): string {
    const token = `hw_${randomSecret(24)}`;
    this.store.tokens.push({ name, role, tokenHash: hashToken(token), createdMs: this.clock() });
    this.save();
    return token;
  }

  /** The principal of a request, or null (→ 401). */
  authenticate(req: IncomingMessage): Principal | null {
    if (this.disabled) return { name: 'anonymous (auth off)', role: 'admin' };
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer) {
      if (this.adminToken && sameSecret(bearer, this.adminToken)) return { name: 'admin-token', role: 'admin' };
      const h = hashToken(bearer);
      const t = this.store.tokens.find((x) => sameSecret(x.tokenHash, h));
      return t ? { name: t.name, role: t.role } : null;
    }
    const cookie = (req.headers.cookie ?? '').split(';').map((c) => c.trim()).find((c) => c.startsWith(SESSION_COOKIE + '='));
    return cookie ? this.verifySession(decodeURIComponent(cookie.slice(SESSION_COOKIE.length + 1))) : null;
  }

  /** Checks a password login; null with a reason when refused (rate limit included). */
  login(name: string, password: string, clientAddress: string): { cookie: string; principal: Principal } | { error: string; status: number } {
    const now = this.clock();
    const recent = (this.failures.get(clientAddress) ?? []).filter((t) => now - t < 60_000);
    if (recent.length >= LOGIN_FAILURES_PER_MIN) return { error: 'too many failed logins; wait a minute', status: 429 };
    const user = this.store.users.find((u) => u.name === name);
    // Verify against a dummy hash for unknown users so timing does not reveal who exists.
    const ok = user ? verifyPassword(password, user.passwordHash) : (verifyPassword(password, DUMMY), false);
    if (!ok || !user) {
      this.failures.set(clientAddress, [...recent, now]);
      return { error: 'unknown user or wrong password', status: 401 };
    }
    this.failures.delete(clientAddress);
    const principal = { name: user.name, role: user.role };
    return { cookie: this.signSession(principal, now + SESSION_TTL_MS), principal };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.store.sessionSecret).update(payload).digest('base64url');
  }

  private signSession(p: Principal, expiresMs: number): string {
    const payload = Buffer.from(JSON.stringify({ n: p.name, r: p.role, e: expiresMs })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  private verifySession(value: string): Principal | null {
    const [payload, sig] = value.split('.');
    if (!payload || !sig || !sameSecret(sig, this.sign(payload))) return null;
    try {
      const { n, r, e } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { n: string; r: Role; e: number };
      if (e < this.clock() || !ROLES.includes(r)) return null;
      // A removed user's session ends with the user.
      const user = this.store.users.find((u) => u.name === n);
      return user ? { name: n, role: user.role } : null;
    } catch {
      return null;
    }
  }
}

const DUMMY = hashPassword('hallwatch-timing-equaliser');
