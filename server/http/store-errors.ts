/**
 * What an operator is told when a change is not stored: 409 when another server changed the same
 * object first (the message names it), 503 when the store cannot take it now (the cluster
 * unreachable, a write timed out, a full disk). Nothing is dropped without an answer. Pure.
 */
import { EditConflictError, StoreConflictError, StoreUnavailableError } from '../storage/store.ts';

export interface StoreFailure {
  status: 409 | 503;
  error: string;
}

/** The answer for an error a store raised; null for any other error (a 500). */
export function storeFailure(e: unknown): StoreFailure | null {
  if (e instanceof EditConflictError || e instanceof StoreConflictError) return { status: 409, error: `conflict: ${e.message}` };
  if (e instanceof StoreUnavailableError) return { status: 503, error: `${e.message}; nothing was changed here, try again` };
  return null;
}
