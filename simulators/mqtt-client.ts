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

/**
 * Connects to a broker of `c`; resolves once connected. A connection error moves on to the next
 * broker of the list (MQTT.js's reconnect); it rejects with the error once every broker has
 * failed — at the first error for a single broker, or when reconnecting is off.
 */
export function connectMqttAsync(c: BusConnection): Promise<MqttClient> {
  const options = clientOptions(c);
  const client = mqtt.connect(options);
  const brokers = options.servers?.length ?? 1;
  // MQTT.js keeps the TLS server name of the first host it reached: each broker of a list is verified by its own.
  if (brokers > 1) client.on('reconnect', () => delete client.options.servername);
  return new Promise((resolve, reject) => {
    let failures = 0;
    const settle = () => {
      client.off('connect', connected);
      client.off('error', failed);
    };
    const connected = () => {
      settle();
      resolve(client);
    };
    const failed = (err: Error) => {
      if (++failures < brokers && options.reconnectPeriod !== 0) return;
      settle();
      client.end(true);
      reject(err);
    };
    client.on('connect', connected);
    client.on('error', failed);
  });
}
