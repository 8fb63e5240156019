/**
 * The server's MQTT client factory against a real broker (the embedded aedes one): a list of
 * URLs is tried in turn, so a client whose first broker is down reaches the next.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { EmbeddedBroker } from '../../server/broker/embedded-broker.ts';
import { connectMqtt } from '../../server/broker/mqtt-client.ts';
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
      expect(`mqtt://127.0.0.1:${client.options.port}`).toBe(broker.url);
      await client.publishAsync('hallwatch/test', 'reached', { qos: 1 });
    } finally {
      await client.endAsync(true);
    }
  });
});
