/**
 * What the access module keeps: local users, API tokens, display tokens and the secrets that
 * sign sessions and display tokens; stored as one document (`{storage-dir}/users.json`, 0600).
 */
import { JsonFileStore } from '../storage/json-file-store.ts';
import type { DocumentStore } from '../storage/store.ts';
import type { Role } from './roles.ts';

export interface StoredUser {
  name: string;
  role: Role;
  passwordHash: string;
}

export interface StoredToken {
  name: string;
  role: Role;
  tokenHash: string;
  createdMs: number;
}

export interface StoredDisplayToken {
  id: string;
  name: string;
  createdMs: number;
  /** 0 = does not expire. */
  expiresMs: number;
  createdBy: string;
  revokedMs?: number;
}

export interface UsersDocument {
  version: 1;
  /** Signs session cookies; rotating it logs everyone out. */
  sessionSecret: string;
  users: StoredUser[];
  tokens: StoredToken[];
  /** Signs display tokens; separate from the session secret so logging everyone out keeps the walls. Absent in files from before walls. */
  displaySecret?: string;
  displayTokens?: StoredDisplayToken[];
}

/** Users, tokens and their secrets. */
export type UserStore = DocumentStore<UsersDocument>;

/** Checks a stored users document's shape; throws with the reason. */
export function parseUsers(json: unknown): UsersDocument {
  const d = json as Partial<UsersDocument> | null;
  if (typeof d !== 'object' || d === null || typeof d.sessionSecret !== 'string' || !Array.isArray(d.users) || !Array.isArray(d.tokens)) {
    throw new Error('not a users file (sessionSecret, users and tokens are required)');
  }
  return d as UsersDocument;
}

/** The users file: readable by its owner only, since it holds the signing secrets. */
export function usersFileStore(path: string): UserStore {
  return new JsonFileStore(path, { parse: parseUsers, serialize: (d) => JSON.stringify(d, null, 1), mode: 0o600 });
}
