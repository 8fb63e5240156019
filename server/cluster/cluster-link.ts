/**
 * The server's connection to the NATS cluster (`--cluster nats://a:4222,nats://b:4222,…`): one
 * client for the replicated key-value buckets and streams. It fails over between the listed nodes
 * and reconnects forever; an unreachable cluster at start is retried with the reason logged, never
 * a crash loop. The constructor does no I/O.
 */
import { connect, Events, type JetStreamClient, type JetStreamManager, type KV, type NatsConnection } from 'nats';
import type { Logger } from '../logger.ts';

export interface ClusterLinkConfig {
  /** Comma-separated nats:// URLs of the cluster's nodes. */
  urls: string;
  /** This server's name on the cluster (its connection name; unique per server). */
  serverName: string;
  /** Copies of each bucket and stream (3 on a three-node cluster; 1 on one node). */
  replicas: number;
  /** How long a request to the cluster (a KV write, a stream publish) may take. */
  requestTimeoutMs: number;
}

export interface ClusterLinkDeps {
  log: Logger;
}

export class ClusterLink {
  private nc: NatsConnection | null = null;
  private jsClient: JetStreamClient | null = null;
  private jsmClient: JetStreamManager | null = null;
  private readonly buckets = new Map<string, Promise<KV>>();
  private stopped = false;
  /** Whether the client holds a connection to a node now. */
  connected = false;
  /** Times the client lost its node and connected again. */
  reconnects = 0;

  constructor(readonly cfg: ClusterLinkConfig, private readonly deps: ClusterLinkDeps) {}

  /** Waits for the cluster, retrying every few seconds with the reason logged, until it answers or `stop()`. */
  async start(): Promise<void> {
    const servers = this.cfg.urls.split(',').map((s) => s.trim()).filter(Boolean);
    for (let attempt = 1; !this.stopped; attempt++) {
      let nc: NatsConnection | null = null;
      try {
        nc = await connect({
          servers, name: this.cfg.serverName, maxReconnectAttempts: -1, reconnectTimeWait: 1000, reconnectJitter: 500,
          pingInterval: 5000, maxPingOut: 2, timeout: 5000,
        });
        // A node that has just started answers JetStream requests only once the cluster has elected its leader.
        this.jsmClient = await nc.jetstreamManager({ timeout: this.cfg.requestTimeoutMs });
        this.nc = nc;
        break;
      } catch (e) {
        await nc?.close().catch(() => undefined);
        const waitMs = Math.min(10_000, 1000 * attempt);
        const what = nc ? 'reached, but its JetStream does not answer' : 'unreachable';
        this.deps.log.error(`cluster ${servers.join(',')} ${what} (${(e as Error).message}); retrying in ${waitMs / 1000} s`);
        await new Promise((r) => setTimeout(r, waitMs));
      }
    }
    if (!this.nc) throw new Error('cluster link stopped before it connected');
    this.connected = true;
    this.jsClient = this.nc.jetstream({ timeout: this.cfg.requestTimeoutMs });
    this.deps.log.info(`cluster: connected to ${this.nc.getServer()} as ${this.cfg.serverName}`);
    void this.watchStatus(this.nc);
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === Events.Disconnect) {
        this.connected = false;
        this.deps.log.warn(`cluster: lost ${String(s.data)}; reconnecting`);
      } else if (s.type === Events.Reconnect) {
        this.connected = true;
        this.reconnects++;
        this.deps.log.info(`cluster: reconnected to ${String(s.data)}`);
      }
    }
  }

  get js(): JetStreamClient {
    if (!this.jsClient) throw new Error('cluster link not started');
    return this.jsClient;
  }

  get jsm(): JetStreamManager {
    if (!this.jsmClient) throw new Error('cluster link not started');
    return this.jsmClient;
  }

  get connection(): NatsConnection {
    if (!this.nc) throw new Error('cluster link not started');
    return this.nc;
  }

  /** Opens (creating when missing) a key-value bucket keeping `history` values per key. */
  bucket(name: string, history = 1): Promise<KV> {
    let kv = this.buckets.get(name);
    if (!kv) {
      kv = this.js.views.kv(name, { replicas: this.cfg.replicas, history });
      this.buckets.set(name, kv);
      kv.catch(() => this.buckets.delete(name));
    }
    return kv;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const nc = this.nc;
    this.nc = null;
    this.connected = false;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }
}
