/**
 * The server's one MQTT client factory: the ingest, the DSX ingest and the MQTT alert channel
 * all connect through it, with the options the bus connection contract builds
 * (protocol/bus-connection.ts).
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { busClientOptions, type BusConnection } from '../../protocol/bus-connection.ts';

/** Options for `mqtt.connect`; throws, naming the URL, when one is bad. */
export function mqttClientOptions(c: BusConnection): IClientOptions {
  const r = busClientOptions(c);
  if (!r.ok) throw new Error(r.message);
  // MQTT.js's debug logging costs per packet even when off (2 % of the server at 1 GW).
  return { ...r.value, log: () => {} };
}

/** A client connecting (and reconnecting) to the broker(s) of `c`; throws, naming the URL, when one is bad. */
export function connectMqtt(c: BusConnection): MqttClient {
  const options = mqttClientOptions(c);
  const client = mqtt.connect(options);
  // MQTT.js keeps the TLS server name of the first host it reached: each broker of a list is verified by its own.
  if ((options.servers?.length ?? 0) > 1) client.on('reconnect', () => delete client.options.servername);
  return client;
}

/** The broker of its list the client is connected, or connecting, to: `mqtt://host:port` (no credentials). */
export function brokerOf(client: MqttClient): string {
  const { protocol, host, port } = client.options;
  return `${protocol}://${host}:${port}`;
}
