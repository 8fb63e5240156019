/**
 * The simulators' one MQTT client factory: the publishers, the fault-control client, the replay
 * and the site discovery connect through it, with the options the bus connection contract
 * builds (protocol/bus-connection.ts).
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { busClientOptions, type BusConnection } from '../protocol/bus-connection.ts';

/** Options for `mqtt.connect`; throws, naming the URL, when one is bad. */
function clientOptions(c: BusConnection): IClientOptions {
  const r = busClientOptions(c);
  if (!r.ok) throw new Error(r.message);
  // MQTT.js's debug logging costs per packet even when off; thousands of connections publish.
  return { ...r.value, log: () => {} };
}

/** Connects to the broker(s) of `c`; resolves once connected, rejects on the first error. */
export function connectMqttAsync(c: BusConnection): Promise<MqttClient> {
  return mqtt.connectAsync(clientOptions(c));
}
