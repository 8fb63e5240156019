/**
 * nats-server (2.9+) configuration for several sites joined to one hub over leaf-node connections
 * (docs/multi-site.md). Each site keeps its own NATS cluster, JetStream and raw telemetry; only
 * what its hall shards derive (`hallwatch.campus.{site}.shard.>`) crosses to the hub, and only
 * requests to that site's shards (`hallwatch.campus.{site}.req.>`) cross back.
 *
 * The filter is an allow-list built from accounts, not the remote's `deny_imports`/`deny_exports`
 * (2.9 parses only deny lists on a remote, and a leaf user on the hub takes no permissions): the
 * site's clients live in account SITE, the leaf connection is bound to account HUB_LINK, and
 * HUB_LINK holds nothing but what SITE exports to it. A subject nobody exported cannot cross,
 * whatever is added to the site later.
 */
import { CAMPUS_PREFIX } from '../../protocol/campus-subjects.ts';
import { natsNodeConfig, type NatsNodeConfig } from './nats-node-config.ts';

/** The account every client of a site connects into (servers, MQTT racks, ingest). */
export const SITE_ACCOUNT = 'SITE';
/** The site's account the leaf connection to the hub is bound to: only SITE's exports are in it. */
export const HUB_LINK_ACCOUNT = 'HUB_LINK';
/** The hub's account the sites' derived subjects arrive in, and the fleet view connects into. */
export const FLEET_ACCOUNT = 'FLEET';
/** The hub's JetStream domain: distinct from every site's, so hub and site JetStream stay two, addressable by name. */
export const HUB_JS_DOMAIN = 'hub';
/** User a client without credentials is taken as (`no_auth_user`), on a site and on the hub. */
export const LOCAL_USER = 'local';

/** One site as the hub knows it: its key (`siteKey()`) is also its leaf user's name. */
export interface HubSite {
  siteKey: string;
  /** Password of the site's leaf connection. */
  leafPassword: string;
}

export interface HubNodeConfig {
  serverName: string;
  host: string;
  /** Client port of the fleet view. */
  clientPort: number;
  /** Monitoring HTTP port (`/leafz`, `/varz`, `/healthz`). */
  httpPort: number;
  /** Port the sites' leaf connections dial (NATS's default is 7422). */
  leafPort: number;
  sites: readonly HubSite[];
  /** JetStream store of the hub's own streams (domain `hub`); omitted: JetStream off. */
  storeDir?: string;
}

/** What a site node adds to its cluster node config to join the hub. */
export interface SiteLeafConfig {
  /** `siteKey()` of the site: the subject token of its derived state and its leaf user. */
  siteKey: string;
  /** `host:port` of each hub node's leaf port. */
  hubLeafAddresses: readonly string[];
  leafPassword: string;
  /** Seconds between attempts to reach the hub after the connection dropped; nats-server's default is 1. */
  reconnectS?: number;
}

/** What a site's shards publish (beats, live state, alerts): crosses from the site to the hub. */
export function siteDerivedSubjects(siteKey: string): string {
  return `${CAMPUS_PREFIX}.${siteKey}.shard.>`;
}

/** Requests to a site's shards (ack, silence, history): cross from the hub to the site. */
export function siteRequestSubjects(siteKey: string): string {
  return `${CAMPUS_PREFIX}.${siteKey}.req.>`;
}

/** The site's JetStream domain: its key, prefixed so it can never equal `hub`. */
export function siteJsDomain(siteKey: string): string {
  return `site-${siteKey}`;
}

const KEY = /^[a-z0-9-]+$/;
/** A password goes between double quotes in the config: no quote, backslash or `$` (variable). */
const PASSWORD = /^[A-Za-z0-9_.~+=-]+$/;

function checkSite(siteKey: string, leafPassword: string): void {
  if (!KEY.test(siteKey)) throw new Error(`site key "${siteKey}": lower-case letters, digits and '-' only (see siteKey())`);
  if (!PASSWORD.test(leafPassword)) throw new Error(`leaf password of site "${siteKey}": letters, digits and _.~+=- only`);
}

/** A hub node: leaf port for the sites, each site's leaf user bound to FLEET, clients in FLEET too. */
export function hubNodeConfig(c: HubNodeConfig): string {
  // With no leaf user at all, nats-server would accept any leaf connection without credentials.
  if (c.sites.length === 0) throw new Error('a hub needs at least one site (its leaf port would otherwise take anyone)');
  for (const s of c.sites) checkSite(s.siteKey, s.leafPassword);
  const keys = c.sites.map((s) => s.siteKey);
  const twice = keys.find((k, i) => keys.indexOf(k) !== i);
  if (twice) throw new Error(`site "${twice}" listed twice`);
  const jetstream = c.storeDir === undefined ? '' : `jetstream {
  store_dir: "${c.storeDir}"
  domain: ${HUB_JS_DOMAIN}
  max_memory_store: 256MB
  max_file_store: 4GB
}
`;
  return `server_name: ${c.serverName}
listen: ${c.host}:${c.clientPort}
http: ${c.host}:${c.httpPort}
ping_interval: "5s"
ping_max: 2
${jetstream}accounts {
  ${FLEET_ACCOUNT} {
${c.storeDir === undefined ? '' : '    jetstream: enabled\n'}    users: [
      { user: ${LOCAL_USER} }
    ]
  }
}
no_auth_user: ${LOCAL_USER}
leafnodes {
  listen: ${c.host}:${c.leafPort}
  authorization {
    users: [
${c.sites.map((s) => `      { user: ${s.siteKey}, password: "${s.leafPassword}", account: ${FLEET_ACCOUNT} }`).join('\n')}
    ]
  }
}
`;
}

/** `cluster { … }` of `natsNodeConfig()`, up to its closing brace at the start of a line. */
const CLUSTER_BLOCK = /^cluster \{\n[\s\S]*?^\}\n/m;

/**
 * A node of a site's cluster: `natsNodeConfig()` with its JetStream in the site's own domain, its
 * clients in SITE, and a leaf remote to the hub bound to HUB_LINK. Every node of the site's
 * cluster gets the same remote. A one-node site (`routes` naming only itself) runs without the
 * cluster block: nats-server 2.9 in cluster mode with no peer never elects a JetStream meta
 * leader ("Waiting for routing to be established…"), so its MQTT listener would refuse every client.
 */
export function siteNodeConfig(node: NatsNodeConfig, leaf: SiteLeafConfig): string {
  checkSite(leaf.siteKey, leaf.leafPassword);
  if (leaf.hubLeafAddresses.length === 0) throw new Error(`site "${leaf.siteKey}": no hub leaf address`);
  const clustered = natsNodeConfig(node);
  const base = node.routes.length > 1 ? clustered : clustered.replace(CLUSTER_BLOCK, '');
  const anchor = 'jetstream {\n';
  if (base.split(anchor).length !== 2) throw new Error('natsNodeConfig() no longer has exactly one "jetstream {" block to put the domain in');
  const derived = siteDerivedSubjects(leaf.siteKey);
  const requests = siteRequestSubjects(leaf.siteKey);
  const urls = leaf.hubLeafAddresses.map((a) => `"nats-leaf://${leaf.siteKey}:${leaf.leafPassword}@${a}"`);
  return `${base.replace(anchor, `${anchor}  domain: ${siteJsDomain(leaf.siteKey)}\n`)}accounts {
  ${SITE_ACCOUNT} {
    jetstream: enabled
    users: [
      { user: ${LOCAL_USER} }
    ]
    exports: [
      { stream: "${derived}" }
      { service: "${requests}" }
    ]
  }
  ${HUB_LINK_ACCOUNT} {
    imports: [
      { stream: { account: ${SITE_ACCOUNT}, subject: "${derived}" } }
      { service: { account: ${SITE_ACCOUNT}, subject: "${requests}" } }
    ]
  }
}
no_auth_user: ${LOCAL_USER}
leafnodes {
  reconnect: ${leaf.reconnectS ?? 1}
  remotes: [
    { urls: [ ${urls.join(', ')} ], account: ${HUB_LINK_ACCOUNT} }
  ]
}
`;
}
