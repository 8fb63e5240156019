/**
 * The changes an admin makes to the users document, each as an edit of one object (a user, an
 * API token, a display token): made again on the newest document when another server wrote it
 * meanwhile, a conflict naming the object when that server changed the same one. Pure.
 */
import { changedElsewhere, clashOn, removalClash, type Edit } from '../storage/saved-document.ts';
import type { StoredDisplayToken, StoredToken, StoredUser, UsersDocument } from './user-store.ts';

const noClash = () => null;

/** A document with its signing secrets, created when there is none and completed when it is from before walls; `secret()` makes one. */
export function withSecrets(secret: () => string): Edit<UsersDocument> {
  return {
    apply: (doc) => {
      if (doc?.displaySecret && doc.displayTokens) return doc;
      const d = doc ?? { version: 1, sessionSecret: secret(), users: [], tokens: [] };
      return { ...d, displaySecret: d.displaySecret || secret(), displayTokens: d.displayTokens ?? [] };
    },
    clash: noClash,
  };
}

const userNamed = (name: string) => (doc: UsersDocument | null) => doc?.users.find((u) => u.name === name);
const tokenNamed = (name: string) => (doc: UsersDocument | null) => doc?.tokens.find((t) => t.name === name);
const displayToken = (id: string) => (doc: UsersDocument | null) => doc?.displayTokens?.find((t) => t.id === id);

function need(doc: UsersDocument | null): UsersDocument {
  if (!doc) throw new Error('the users document is not loaded');
  return doc;
}

/** Creates or replaces a user. */
export function putUser(user: StoredUser): Edit<UsersDocument> {
  return {
    apply: (doc) => ({ ...need(doc), users: [...need(doc).users.filter((u) => u.name !== user.name), user] }),
    clash: clashOn(userNamed(user.name), (a, b) => changedElsewhere(`user "${user.name}"`, a, b)),
  };
}

/** Removes a user (nothing to do when there is none). */
export function removeUser(name: string): Edit<UsersDocument> {
  return {
    apply: (doc) => (userNamed(name)(doc) ? { ...need(doc), users: need(doc).users.filter((u) => u.name !== name) } : doc),
    clash: removalClash(`user "${name}"`, userNamed(name)),
  };
}

/** Issues (or re-issues) the API token of a name. */
export function putToken(token: StoredToken): Edit<UsersDocument> {
  return {
    apply: (doc) => ({ ...need(doc), tokens: [...need(doc).tokens.filter((t) => t.name !== token.name), token] }),
    clash: clashOn(tokenNamed(token.name), (a, b) => changedElsewhere(`API token "${token.name}"`, a, b)),
  };
}

/** Revokes (deletes) an API token. */
export function removeToken(name: string): Edit<UsersDocument> {
  return {
    apply: (doc) => (tokenNamed(name)(doc) ? { ...need(doc), tokens: need(doc).tokens.filter((t) => t.name !== name) } : doc),
    clash: removalClash(`API token "${name}"`, tokenNamed(name)),
  };
}

/** Adds a display token (its ID is new: nothing to clash with). */
export function addDisplayToken(token: StoredDisplayToken): Edit<UsersDocument> {
  return { apply: (doc) => ({ ...need(doc), displayTokens: [...(need(doc).displayTokens ?? []), token] }), clash: noClash };
}

/** Marks a display token revoked at `atMs` (revoked already, or gone: nothing to do, which is what was asked for). */
export function revokeDisplayToken(id: string, atMs: number): Edit<UsersDocument> {
  return {
    apply: (doc) => {
      const t = displayToken(id)(doc);
      if (!t || t.revokedMs) return doc;
      return { ...need(doc), displayTokens: need(doc).displayTokens!.map((x) => (x.id === id ? { ...x, revokedMs: atMs } : x)) };
    },
    clash: noClash,
  };
}
