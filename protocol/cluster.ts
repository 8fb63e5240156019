/**
 * `GET /api/cluster`: which server answered and what it knows of its pair — the dashboard's
 * header shows it. A single server (no `--cluster`) answers `clustered: false` with itself as
 * the only member and the leader (it does the leader's work: incidents and notifications).
 */
import { fail, ok, type Result } from './result.ts';

export interface ClusterView {
  /** This server's name (`--server-name`, default `host:port`). */
  serverName: string;
  clustered: boolean;
  /** Servers seen alive in the cluster, this one included, sorted. */
  members: string[];
  /** The server holding the lease; null while none does. */
  leader: string | null;
  /**
   * Servers a whole pair has here (absent: a pair, 2). A hall shard or campus view may run alone:
   * it expects as many as it has seen together (1 until a partner appears).
   */
  expectedMembers?: number;
}

/** Servers a whole pair has. */
export const PAIR_SIZE = 2;

export type PairState =
  | { kind: 'single' }
  | { kind: 'whole'; leader: string }
  | { kind: 'broken'; reason: string };

/** Whether the pair is whole, for the header: both servers seen and one of them leading. */
export function pairState(v: ClusterView): PairState {
  if (!v.clustered) return { kind: 'single' };
  const size = v.expectedMembers ?? PAIR_SIZE;
  // A hall shard or campus view that never had a partner is a single server, leading itself.
  if (size === 1 && v.members.length === 1 && v.leader !== null) return { kind: 'single' };
  const missing = size - v.members.length;
  if (v.leader === null) return { kind: 'broken', reason: missing > 0 ? `no leader; ${v.members.length} of ${size} servers seen` : 'no leader' };
  if (missing > 0) return { kind: 'broken', reason: `${v.members.length} of ${size} servers seen` };
  return { kind: 'whole', leader: v.leader };
}

/** Reads `/api/cluster`'s body, naming what is wrong. */
export function parseClusterView(body: unknown): Result<ClusterView> {
  if (typeof body !== 'object' || body === null) return fail('shape', 'cluster view: object expected');
  const b = body as Record<string, unknown>;
  if (typeof b.serverName !== 'string') return fail('shape', 'cluster view: serverName: string expected');
  if (typeof b.clustered !== 'boolean') return fail('shape', 'cluster view: clustered: boolean expected');
  if (!Array.isArray(b.members) || !b.members.every((m) => typeof m === 'string')) return fail('shape', 'cluster view: members: strings expected');
  if (b.leader !== null && typeof b.leader !== 'string') return fail('shape', 'cluster view: leader: string or null expected');
  if (b.expectedMembers !== undefined && typeof b.expectedMembers !== 'number') return fail('shape', 'cluster view: expectedMembers: number expected');
  const view: ClusterView = { serverName: b.serverName, clustered: b.clustered, members: b.members as string[], leader: b.leader };
  if (typeof b.expectedMembers === 'number') view.expectedMembers = b.expectedMembers;
  return ok(view);
}

/** A server's answer when it is not clustered. */
export function singleServerView(serverName: string): ClusterView {
  return { serverName, clustered: false, members: [serverName], leader: serverName };
}
