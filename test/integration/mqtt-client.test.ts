/**
 * The server's and the simulators' MQTT client factories against a real broker (the embedded
 * aedes one): a list of URLs is tried in turn, so a client whose first broker is down reaches
 * the next.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { EmbeddedBroker } from '../../server/broker/embedded-broker.ts';
import { brokerOf, connectMqtt } from '../../server/broker/mqtt-client.ts';
import { connectMqttAsync } from '../../simulators/mqtt-client.ts';
import { createLogger } from '../../server/logger.ts';

/** A loopback port nothing listens on (the OS gave it, then it was closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('connectMqtt() with a list of brokers', () => {
  const broker = new EmbeddedBroker('127.0.0.1', 0, createLogger('error'));

  beforeAll(() => broker.start());
  afterAll(() => broker.stop());

  it('passes over a broker that is down and connects to the next one', async () => {
    const down = `mqtt://127.0.0.1:${await closedPort()}`;
    const client = connectMqtt({ urls: [down, broker.url], clientId: `hallwatch-test-list-${process.pid}`, reconnectPeriodMs: 50 });
    try {
      const refused = new Promise<string>((resolve) => client.once('error', (e) => resolve(e.message)));
      await new Promise<void>((resolve) => client.once('connect', () => resolve()));
      expect(await Promise.race([refused, 'no error'])).toMatch(/ECONNREFUSED/);
      expect(brokerOf(client)).toBe(broker.url);
      await client.publishAsync('hallwatch/test', 'reached', { qos: 1 });
    } finally {
      await client.endAsync(true);
    }
  });

  it('takes the list as --mqtt gives it, one comma-separated string', async () => {
    const down = `mqtt://127.0.0.1:${await closedPort()}`;
    const client = connectMqtt({ urls: `${down}, ${broker.url}`, clientId: `hallwatch-test-text-${process.pid}`, reconnectPeriodMs: 50 });
    try {
      await new Promise<void>((resolve) => client.once('connect', () => resolve()));
      expect(brokerOf(client)).toBe(broker.url);
    } finally {
      await client.endAsync(true);
    }
  });
});

describe('the simulators\' connectMqttAsync() with a list of brokers', () => {
  const broker = new EmbeddedBroker('127.0.0.1', 0, createLogger('error'));

  beforeAll(() => broker.start());
  afterAll(() => broker.stop());

  it('resolves on the next broker when the first is down', async () => {
    const down = `mqtt://127.0.0.1:${await closedPort()}`;
    const client = await connectMqttAsync({ urls: [down, broker.url], clientId: `hallwatch-test-sim-${process.pid}`, reconnectPeriodMs: 50 });
    try {
      expect(client.connected).toBe(true);
      expect(client.options.port).toBe(Number(new URL(broker.url).port));
    } finally {
      await client.endAsync(true);
    }
  });

  it('rejects with the connection error once every broker of the list has refused', async () => {
    const downs = [`mqtt://127.0.0.1:${await closedPort()}`, `mqtt://127.0.0.1:${await closedPort()}`];
    await expect(connectMqttAsync({ urls: downs, clientId: `hallwatch-test-sim-down-${process.pid}`, reconnectPeriodMs: 50 })).rejects.toThrow(/ECONNREFUSED/);
  });
});
