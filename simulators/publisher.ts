/**
 * MQTT side of the simulator. In `entity` mode every rack and CDU has its own connection with
 * a Last Will of `offline` on its retained status topic, so dropping the connection makes the
 * broker announce it (MQTT 3.1.1 §3.1.2.5; the embedded aedes broker speaks 3.1.1, so Hallwatch
 * does too). In `shared` mode one connection carries everything and an offline fault publishes
 * the retained `offline` itself.
 */
import type { MqttClient } from 'mqtt';
import type { BusConnection } from '../protocol/bus-connection.ts';
import { entityTopic, type EntityKind } from '../protocol/topics.ts';
import { connectMqttAsync } from './mqtt-client.ts';

export interface PublisherConfig {
  /** The broker(s), credentials and CA; each connection's client ID is `{clientIdPrefix}-{kind}-{id}` (or `-site`). */
  bus: Pick<BusConnection, 'urls' | 'username' | 'password' | 'caPem'>;
  topicRoot: string;
  mode: 'entity' | 'shared';
  clientIdPrefix: string;
  /** QoS of telemetry (default 0). */
  qos?: 0 | 1;
}

export interface Entity {
  kind: EntityKind;
  hallId: string;
  id: string;
}

interface Conn {
  entity: Entity | null;
  client: MqttClient | null;
}

export class Publisher {
  private readonly conns = new Map<string, Conn>();
  private shared: MqttClient | null = null;
  published = 0;
  dropped = 0;

  constructor(private readonly cfg: PublisherConfig, private readonly entities: Entity[]) {}

  private connection(entity: Entity | null): BusConnection {
    return {
      ...this.cfg.bus,
      clientId: `${this.cfg.clientIdPrefix}-${entity ? `${entity.kind}-${entity.id}` : 'site'}`,
      clean: true,
      keepaliveS: 10,
      ...(entity ? { will: { topic: this.statusTopic(entity), payload: 'offline', qos: 1, retain: true } } : {}),
    };
  }

  private statusTopic(e: Entity): string {
    return entityTopic(this.cfg.topicRoot, e.hallId, e.kind, e.id, 'status');
  }

  private async connect(entity: Entity | null): Promise<MqttClient> {
    const client = await connectMqttAsync(this.connection(entity));
    const announce = () => {
      if (entity) client.publish(this.statusTopic(entity), 'online', { qos: 1, retain: true });
      else for (const e of this.entities) client.publish(this.statusTopic(e), 'online', { qos: 1, retain: true });
    };
    client.on('connect', announce);
    client.on('error', () => {});
    announce();
    return client;
  }

  async start(): Promise<void> {
    if (this.cfg.mode === 'shared') {
      this.shared = await this.connect(null);
      return;
    }
    // Connect in batches so a large site does not open thousands of sockets at once.
    for (let i = 0; i < this.entities.length; i += 100) {
      await Promise.all(
        this.entities.slice(i, i + 100).map(async (e) => {
          this.conns.set(e.id, { entity: e, client: await this.connect(e) });
        }),
      );
    }
  }

  /** Publishes a telemetry sample (QoS 0 unless configured); skipped while the entity's connection is down. */
  publish(e: Entity, payload: string): void {
    const client = this.shared ?? this.conns.get(e.id)?.client;
    if (!client || !client.connected) {
      this.dropped++;
      return;
    }
    client.publish(entityTopic(this.cfg.topicRoot, e.hallId, e.kind, e.id, 'telemetry'), payload, { qos: this.cfg.qos ?? 0 });
    this.published++;
  }

  /** Drops (true) or restores (false) an entity's connection. */
  async setOffline(e: Entity, offline: boolean): Promise<void> {
    if (this.shared) {
      this.shared.publish(this.statusTopic(e), offline ? 'offline' : 'online', { qos: 1, retain: true });
      return;
    }
    const conn = this.conns.get(e.id);
    if (!conn) return;
    if (offline && conn.client) {
      const client = conn.client;
      conn.client = null;
      // Destroying the socket without DISCONNECT makes the broker publish the Last Will.
      client.options.reconnectPeriod = 0;
      client.stream?.destroy();
      await client.endAsync(true).catch(() => {});
    } else if (!offline && !conn.client) {
      conn.client = await this.connect(e);
    }
  }

  isOffline(id: string): boolean {
    return this.conns.has(id) && this.conns.get(id)!.client === null;
  }

  /** Graceful stop: every entity announces `offline` (retained), then disconnects. */
  async stop(): Promise<void> {
    const ends: Promise<void>[] = [];
    if (this.shared) {
      for (const e of this.entities) this.shared.publish(this.statusTopic(e), 'offline', { qos: 1, retain: true });
      ends.push(this.shared.endAsync());
      this.shared = null;
    }
    for (const conn of this.conns.values()) {
      const client = conn.client;
      conn.client = null;
      if (!client || !conn.entity) continue;
      if (client.connected) client.publish(this.statusTopic(conn.entity), 'offline', { qos: 1, retain: true });
      ends.push(client.endAsync().catch(() => {}));
    }
    await Promise.all(ends);
  }
}
