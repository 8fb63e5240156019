/**
 * Where operator state lives: JSON files in the storage directory (one server, the default), or
 * with `--cluster` one key per document in the `hallwatch-state` key-value bucket of the NATS
 * cluster two servers share. Joining the cluster checks first that it runs the same site.
 */
import { join } from 'node:path';
import type { KV } from 'nats';
import type { Logger } from '../logger.ts';
import type { SiteSpec } from '../../protocol/site.ts';
import type { ClusterLink } from '../cluster/cluster-link.ts';
import { describeSite, parseSiteClaim, siteClaim, siteMismatch, type SiteClaim } from '../cluster/site-fingerprint.ts';
import { parseUsers, usersFileStore, type UserStore } from '../auth/user-store.ts';
import { alertStateFiles, parseAcks, parsePaging, parseSilences, type AlertStateStore } from '../alerts/alert-state-store.ts';
import { rulesFileStore, type RuleStore } from '../alerts/rule-store.ts';
import { parseRules } from '../alerts/rules.ts';
import { layoutsFileStore, parseLayouts, type LayoutStore } from '../wall/layouts.ts';
import { KvDocumentStore, type KvStoreOptions } from './nats-kv-store.ts';
import { SeededStore } from './seeded-store.ts';

/** The bucket of operator state on the cluster. */
export const STATE_BUCKET = 'hallwatch-state';
/** Values kept per key: each update is checked against the one before it (nats-kv-store.ts, `verifyUpdates`). */
const STATE_HISTORY = 5;
/** Key of each document in the bucket (key-value keys allow only `-/_=.a-zA-Z0-9`). */
export const STATE_KEYS = {
  users: 'users',
  acks: 'alerts.acks',
  paged: 'alerts.paged',
  silences: 'alerts.silences',
  rules: 'alerts.rules',
  layouts: 'wall.layouts',
  site: 'site',
} as const;

/** The stores of operator state, whichever way they are kept. */
export interface StateStores {
  users: UserStore;
  alertState: AlertStateStore;
  rules: RuleStore;
  layouts: LayoutStore;
  /** The rules file SIGHUP stores as the shared rules; null when the rules store is that file (SIGHUP re-reads it). */
  rulesFile: RuleStore | null;
}

export interface StateStoreConfig {
  storageDir: string;
  alertRulesPath: string;
}

/** The cluster's side of the stores, when there is one. */
export interface ClusterState {
  link: ClusterLink;
  site: SiteSpec;
  serverName: string;
  /** `--cluster-adopt-site 1`: this server's site replaces the one stored. */
  adoptSite: boolean;
  /** Told how long each write took and whether it stored (the write-latency histogram). */
  onWrite: (ms: number, stored: boolean) => void;
  log: Logger;
  clock: () => number;
  /** A hall shard's prefix of its acknowledgement, paging and silence keys (server/cluster/pair-names.ts); '' for the whole site. */
  keyPrefix?: string;
}

/** The stores as local files (one server). */
export function fileStateStores(cfg: StateStoreConfig): StateStores {
  return {
    users: usersFileStore(join(cfg.storageDir, 'users.json')),
    alertState: alertStateFiles(cfg.storageDir),
    rules: rulesFileStore(cfg.alertRulesPath),
    layouts: layoutsFileStore(join(cfg.storageDir, 'wall-layouts.json')),
    rulesFile: null,
  };
}

/** The stores in the bucket `kv`; a fresh cluster's rules are copied from the rules file. */
export function kvStateStores(kv: KV, cfg: StateStoreConfig, c: Pick<ClusterState, 'onWrite' | 'log' | 'keyPrefix'>): StateStores {
  const own = c.keyPrefix ?? '';
  const onBadValue = (key: string, reason: string) => c.log.error(`cluster: ${STATE_BUCKET}/${key} was changed to something unreadable, ignored: ${reason}`);
  const onWatchTrouble = (message: string) => c.log.warn(`cluster: ${STATE_BUCKET}: ${message}`);
  const opts: KvStoreOptions<never> = { onWrite: c.onWrite, onBadValue, onWatchTrouble, verifyUpdates: true };
  const doc = <T>(key: string, parse?: (json: unknown) => T) => new KvDocumentStore<T>(kv, STATE_BUCKET, key, { ...opts, parse });
  const rulesFile = rulesFileStore(cfg.alertRulesPath);
  const refusal = (json: unknown) => {
    const r = parseRules(json);
    return r.ok ? null : r.message;
  };
  const files = alertStateFiles(cfg.storageDir);
  return {
    users: doc(STATE_KEYS.users, parseUsers),
    // The evaluation stays on this server's disk: a storm at 7,400 racks makes it ~15 MB, past a
    // NATS message's 1 MB. Acknowledgements and silences, the operators' part, are shared, and so
    // is what the leader paged (~100 bytes an open incident), which a new leader takes over.
    alertState: {
      state: files.state, acks: doc(own + STATE_KEYS.acks, parseAcks), silences: doc(own + STATE_KEYS.silences, parseSilences),
      paged: doc(own + STATE_KEYS.paged, parsePaging),
    },
    rules: new SeededStore(doc<unknown>(STATE_KEYS.rules), rulesFile, refusal, (from) => c.log.info(`cluster: alert rules copied from ${from}`)),
    layouts: doc(STATE_KEYS.layouts, parseLayouts),
    rulesFile,
  };
}

/** Thrown when this server must not join the cluster (another site): starting again will not help. */
class SiteRefused extends Error {}

/**
 * Stores this server's site in the cluster when none is (the first server), or checks it is the
 * one stored; `adopt` overwrites what is stored. Throws SiteRefused naming both sites.
 */
async function claimSite(kv: KV, mine: SiteClaim, adopt: boolean, log: Logger): Promise<void> {
  if (adopt) {
    await kv.put(STATE_KEYS.site, JSON.stringify(mine));
    log.warn(`cluster: site ${describeSite(mine)} is now the cluster's (--cluster-adopt-site 1); start the other server with the same file`);
    return;
  }
  const store = new KvDocumentStore<SiteClaim>(kv, STATE_BUCKET, STATE_KEYS.site, { parse: parseSiteClaim });
  const unreadable = (e: Error) => new SiteRefused(`${e.message}; start one server with --cluster-adopt-site 1 to store its site`);
  let stored = await store.load().catch((e: Error) => Promise.reject(unreadable(e)));
  if (!stored) {
    if ((await store.write(mine, 0)).ok) return log.info(`cluster: this server is the first on it; the cluster runs site ${describeSite(mine)}`);
    stored = await store.load().catch((e: Error) => Promise.reject(unreadable(e)));
  }
  const why = stored && siteMismatch(mine, stored.value);
  if (why) throw new SiteRefused(`cluster: ${why}`);
}

/**
 * The stores: local files without a cluster; with one, the shared bucket, once this server's
 * site is the cluster's. Opening the bucket is retried while the cluster cannot answer yet (a
 * node starting, no JetStream quorum), the reason logged; another site is refused at once.
 */
export async function openStateStores(cfg: StateStoreConfig, cluster: ClusterState | null): Promise<StateStores> {
  if (!cluster) return fileStateStores(cfg);
  const c = cluster;
  for (let attempt = 1; ; attempt++) {
    try {
      // Reads through the stream leader, not any replica (allow_direct): a conflict is followed by
      // a read of what the other server stored, which a replica may not have yet.
      const kv = await c.link.js.views.kv(STATE_BUCKET, { replicas: c.link.cfg.replicas, history: STATE_HISTORY, allow_direct: false });
      await claimSite(kv, siteClaim(c.site, c.serverName, c.clock()), c.adoptSite, c.log);
      return kvStateStores(kv, cfg, c);
    } catch (e) {
      if (e instanceof SiteRefused) throw e;
      const waitMs = Math.min(10_000, 1000 * attempt);
      c.log.error(`cluster: cannot open ${STATE_BUCKET} yet (${(e as Error).message}); retrying in ${waitMs / 1000} s`);
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}
