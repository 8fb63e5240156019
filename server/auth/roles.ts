/** Roles, weakest first: viewer (look), operator (acknowledge, silence), admin (rules, users, tokens). */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who a request acts for. */
export interface Principal {
  name: string;
  role: Role;
  /** Set for display tokens: read-only, re-checked on open WebSockets. */
  displayTokenId?: string;
}

/** Why a request is not let in, said to the client (e.g. a wall showing why it stopped). */
export type AuthResult = { ok: true; principal: Principal } | { ok: false; error: string };

/** Whether `have` may do what needs `need`. */
export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}
