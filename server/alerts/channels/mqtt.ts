/**
 * MQTT channel: the current state of each incident as a retained JSON message on
 * `{root}/alerts/{kind}/{id}` (e.g. `hallwatch/v1/alerts/group/h1-r01`), so a subscriber that
 * connects at any time sees every open incident. A resolved incident is published once (not
 * retained) and its retained message cleared. QoS 1; a publish not acknowledged by the broker
 * within the timeout is retried by the outbox.
 */
import type { MqttClient } from 'mqtt';
import { redactBusUrl, type BusConnection } from '../../../protocol/bus-connection.ts';
import { connectMqtt } from '../../broker/mqtt-client.ts';
import type { Channel, Notification } from '../notification.ts';
import type { Delivery, SendOutcome } from '../outbox.ts';

export interface MqttChannelConfig {
  /** The broker(s), credentials, CA and client ID. */
  bus: BusConnection;
  topicRoot: string;
  timeoutMs: number;
}

export interface MqttAlertMessage {
  topic: string;
  state: {
    state: 'firing' | 'acknowledged' | 'resolved';
    severity: string;
    title: string;
    /** The incident's action line and cost, as on the dashboard (null when none). */
    action: string | null;
    impact: string | null;
    silenced: boolean;
    acknowledged: Notification['acknowledged'];
    sentMs: number;
    incident: Notification['incident'];
  };
}

/** `group:h1-r01` → `{root}/alerts/group/h1-r01`. */
export function alertTopic(root: string, incidentId: string): string {
  const [kind, id] = incidentId.split(/:(.*)/s);
  return `${root}/alerts/${kind}/${id}`;
}

export function mqttAlertMessage(root: string, n: Notification): MqttAlertMessage {
  const state = n.kind === 'resolved' ? 'resolved' : n.acknowledged ? 'acknowledged' : 'firing';
  return {
    topic: alertTopic(root, n.incident.id),
    state: {
      state,
      severity: n.incident.severity,
      title: n.incident.title,
      action: n.incident.action ?? null,
      impact: n.incident.impact ?? null,
      silenced: n.silenced,
      acknowledged: n.acknowledged,
      sentMs: n.sentMs,
      incident: n.incident,
    },
  };
}

export function mqttChannel(cfg: MqttChannelConfig): Channel {
  let client: MqttClient | null = connectMqtt(cfg.bus);
  // Connection errors surface as retried deliveries with their reason; the outbox logs them.
  client.on('error', () => undefined);
  const withTimeout = <T>(p: Promise<T>) => {
    const timeout = new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`no PUBACK within ${cfg.timeoutMs} ms`)), cfg.timeoutMs).unref());
    return Promise.race([p, timeout]);
  };
  const send = async (d: Delivery): Promise<SendOutcome> => {
    const c = client;
    if (!c) return { ok: false, retry: true, reason: 'MQTT channel stopped' };
    if (!c.connected) return { ok: false, retry: true, reason: `not connected to ${redactBusUrl(cfg.bus.urls)}` };
    const m = d.payload as MqttAlertMessage;
    const resolved = m.state.state === 'resolved';
    await withTimeout(c.publishAsync(m.topic, JSON.stringify(m.state), { qos: 1, retain: !resolved }));
    if (resolved) await withTimeout(c.publishAsync(m.topic, '', { qos: 1, retain: true }));
    return { ok: true };
  };
  return {
    name: 'mqtt',
    format: (n) => mqttAlertMessage(cfg.topicRoot, n),
    send,
    async stop() {
      const c = client;
      client = null;
      if (c) await c.endAsync(true);
    },
  };
}
