/**
 * `/readyz` of the real server (what HAProxy checks) against a real Mosquitto and the simulator:
 * ready while telemetry flows even with its InfluxDB unreachable (where `/healthz` says
 * degraded); not ready, with the reason, once the broker has been gone past the grace; ready
 * again when it is back. `/api/cluster` answers for a single server, and the stream's hello
 * names it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { freePort } from '../helpers/ports.ts';
import { writeTestSites } from '../helpers/sites.ts';
import { seen, waitFor } from '../helpers/wait.ts';

describe('/readyz of a running server', () => {
  const sites = writeTestSites();
  let broker: Mosquitto;
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  const get = async (path: string) => {
    const res = await fetch(server.baseUrl + path);
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    broker = await startMosquitto();
    // An InfluxDB address nothing listens on: history degraded from the start.
    const deadInflux = `http://127.0.0.1:${await freePort()}`;
    server = await startServer(['--site', sites.server, '--mqtt', broker.url, '--influx', deadInflux]);
    sim = await startSimulator(['--site', sites.simulated, '--mqtt', broker.url, '--seed', '3']);
  });
  afterAll(async () => {
    await sim?.stop();
    await server?.stop();
    await broker?.stop();
  });

  it('is ready while telemetry flows, although InfluxDB is unreachable and /healthz says degraded', async () => {
    await waitFor('ready', async () => seen(await get('/readyz'), (r) => r.status === 200), 15_000);
    const ready = await get('/readyz');
    expect(ready.body).toEqual({ ready: true, reasons: [], checks: { ingest: 'connected', cluster: 'not clustered' } });
    await waitFor('/healthz degraded by InfluxDB', async () => seen(await get('/healthz'), (h) => h.status === 503 && /degraded/.test(h.body.checks.storage)), 20_000);
    expect((await get('/readyz')).status).toBe(200);
  });

  it('is not ready, saying why, once the broker has been gone past the grace, and ready again when it is back', async () => {
    await broker.kill();
    const t0 = Date.now();
    // Within the grace the last samples still count.
    expect((await get('/readyz')).status).toBe(200);
    await waitFor('not ready', async () => seen(await get('/readyz'), (r) => r.status === 503), 30_000);
    const down = await get('/readyz');
    console.log(`/readyz 503 ${((Date.now() - t0) / 1000).toFixed(1)} s after the broker stopped: ${JSON.stringify(down.body)}`);
    expect(down.status).toBe(503);
    expect(down.body.ready).toBe(false);
    expect(down.body.reasons).toEqual([expect.stringMatching(/^telemetry: no source connected and no sample for 10 s \(last \d+ s ago\)$/)]);
    expect(down.body.checks.ingest).toMatch(/^disconnected; last sample \d+ s ago$/);
    await broker.start();
    await waitFor('ready again', async () => seen(await get('/readyz'), (r) => r.status === 200), 30_000);
  });

  it('answers /api/cluster as a single server, and names itself in the stream\'s hello', async () => {
    const { status, body } = await get('/api/cluster');
    expect(status).toBe(200);
    expect(body.serverName).toMatch(new RegExp(`:${server.port}$`));
    expect(body).toEqual({ serverName: body.serverName, clustered: false, members: [body.serverName], leader: body.serverName });
    const ws = new WebSocket(`${server.baseUrl.replace('http', 'ws')}/ws`);
    const hello = await new Promise<{ type: string; serverName?: string }>((resolve, reject) => {
      ws.once('message', (d) => resolve(JSON.parse(String(d))));
      ws.once('error', reject);
    });
    ws.close();
    expect(hello.type).toBe('hello');
    expect(hello.serverName).toBe(body.serverName);
  });
});
