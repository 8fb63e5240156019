/**
 * History that falls behind is visible: InfluxDB frozen (SIGSTOP: writes hang, nothing fails
 * yet) while the simulator publishes → `/healthz` says degraded with "history N s behind" and
 * `/metrics` shows the oldest unsent line's age; thawed → it catches up and says ok again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInfluxd, type Influxd } from '../helpers/influxd.ts';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { writeTestSites } from '../helpers/sites.ts';
import { notYet, seen, waitFor } from '../helpers/wait.ts';

describe('history behind', () => {
  const sites = writeTestSites();
  let influx: Influxd;
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  const health = async () => (await fetch(`${server.baseUrl}/healthz`)).json();
  const behindS = async () => {
    const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
    return Number(/^hallwatch_storage_oldest_unsent_age_seconds (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
  };

  beforeAll(async () => {
    influx = await startInfluxd();
    server = await startServer(['--site', sites.server, '--embedded-broker-port', '0', '--influx', influx.url, '--storage-max-behind-s', '3']);
    sim = await startSimulator(['--site', sites.simulated, '--mqtt', server.mqttUrl]);
  });
  afterAll(async () => {
    influx?.signal('SIGCONT');
    await sim?.stop();
    await server?.stop();
    await influx?.stop();
  });

  it('says so on /healthz and /metrics while InfluxDB hangs, and recovers when it answers', async () => {
    await waitFor('healthy with history flowing', async () =>
      seen({ health: await health(), behindS: await behindS() }, (v) => v.health.status === 'ok' && v.behindS < 2), 20_000, 250);
    influx.signal('SIGSTOP');
    const h = await waitFor('degraded: behind', async () => {
      const v = await health();
      return v.status === 'degraded' && /^behind: history \d+ s behind, \d+ lines waiting$/.test(v.checks.storage) ? v : notYet(v);
    }, 9_000, 250);
    expect(h.checks.mqtt).toBe('connected');
    expect(await behindS()).toBeGreaterThan(3);
    influx.signal('SIGCONT');
    await waitFor('caught up', async () =>
      seen({ health: await health(), behindS: await behindS() }, (v) => v.health.status === 'ok' && v.behindS < 2), 30_000, 250);
  });
});
