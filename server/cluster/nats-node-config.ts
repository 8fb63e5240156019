/**
 * The configuration of one node of the NATS cluster Hallwatch runs on (nats-server 2.9+): client
 * port for the servers' cluster connection (JetStream key-value, the notification stream), an
 * MQTT listener for the racks and the ingest, JetStream on, routes to the other nodes.
 * `config/nats/` holds the same file written out for three machines.
 */
export interface NatsNodeConfig {
  /** Unique in the cluster; MQTT and JetStream require it. */
  serverName: string;
  host: string;
  clientPort: number;
  /** Monitoring HTTP port (`/healthz`, `/varz`, `/jsz`). */
  httpPort: number;
  mqttPort: number;
  clusterPort: number;
  /** `host:port` of every node's cluster port, this one's included. */
  routes: string[];
  storeDir: string;
  clusterName?: string;
}

/**
 * Short pings: a dead client or route is noticed in seconds, not the default two minutes.
 * `stream_replicas` must be set for MQTT on 2.9 (it would otherwise follow the cluster size
 * only when the first client connects to a whole cluster).
 */
/** The routes to the other nodes; a single node has none (JetStream on its own, no meta group to join). */
function clusterBlock(c: NatsNodeConfig): string {
  return `cluster {
  name: ${c.clusterName ?? 'hallwatch'}
  listen: ${c.host}:${c.clusterPort}
  routes: [
${c.routes.map((r) => `    nats-route://${r}`).join('\n')}
  ]
}
`;
}

export function natsNodeConfig(c: NatsNodeConfig): string {
  return `server_name: ${c.serverName}
listen: ${c.host}:${c.clientPort}
http: ${c.host}:${c.httpPort}
ping_interval: "5s"
ping_max: 2
jetstream {
  store_dir: "${c.storeDir}"
  max_memory_store: 256MB
  max_file_store: 4GB
}
${c.routes.length < 2 ? '' : clusterBlock(c)}mqtt {
  listen: ${c.host}:${c.mqttPort}
  stream_replicas: ${Math.min(3, c.routes.length)}
}
`;
}
