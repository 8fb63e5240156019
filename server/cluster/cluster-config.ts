/**
 * The cluster options checked together: `--cluster` (the NATS nodes), `--cluster-replicas` and
 * `--server-name`. Pure; `server/config.ts` reads the values and calls it.
 */

/** What the cluster options come to. */
export interface ClusterSettings {
  /** The cluster's nodes, `nats://host:port` comma-separated and trimmed; undefined = a single server on local files. */
  clusterUrls?: string;
  /** Copies kept of each bucket and stream: `--cluster-replicas`, else the number of URLs, at most 3. */
  clusterReplicas: number;
  /**
   * This server's name on the cluster and in the dashboard's header: `--server-name`, else
   * `{hostname}:{port}`; undefined on a free port (`--port 0`, named once it listens).
   */
  serverName?: string;
}

/** As the options table reads them (unset: undefined, or null for an integer). */
export interface RawClusterOptions {
  cluster?: string;
  replicas: number | null;
  serverName?: string;
}

const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$/;

/** The URL's refusal, or null when it names a NATS node. */
function natsUrlRefusal(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url}" is not a URL`;
  }
  if (u.protocol !== 'nats:' && u.protocol !== 'tls:') return `"${url}" is not a nats:// or tls:// URL`;
  if (!u.hostname) return `"${url}" names no host`;
  if (u.pathname && u.pathname !== '/') return `"${url}" has a path; a node is nats://host:port`;
  return null;
}

/** Checks the cluster options; throws naming the option and what is wrong. */
export function clusterSettings(raw: RawClusterOptions, defaults: { hostname: string; port: number }): ClusterSettings {
  if (raw.serverName !== undefined && !SERVER_NAME.test(raw.serverName)) {
    throw new Error(`--server-name: letters, digits and . _ : @ -, at most 100 characters, got "${raw.serverName}"`);
  }
  const serverName = raw.serverName ?? (defaults.port === 0 ? undefined : `${defaults.hostname}:${defaults.port}`);
  if (raw.cluster === undefined) {
    if (raw.replicas !== null) throw new Error('--cluster-replicas: only with --cluster (the NATS nodes the servers share)');
    return { clusterReplicas: 1, serverName };
  }
  if (serverName === undefined) throw new Error('--server-name: required with --cluster on --port 0 (a free port would rename the server at each start)');
  const urls = raw.cluster.split(',').map((u) => u.trim()).filter(Boolean);
  if (urls.length === 0) throw new Error(`--cluster: no URL in "${raw.cluster}" (the cluster's nodes as nats://host:4222, comma-separated)`);
  for (const u of urls) {
    const why = natsUrlRefusal(u);
    if (why) throw new Error(`--cluster: ${why} (the cluster's nodes as nats://host:4222, comma-separated)`);
  }
  return { clusterUrls: urls.join(','), clusterReplicas: raw.replicas ?? Math.min(3, urls.length), serverName };
}
