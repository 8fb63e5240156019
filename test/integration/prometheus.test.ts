/**
 * Hallwatch as Prometheus sees it: /metrics passes `promtool check metrics` (Hallwatch's own
 * families with history and notifications on, and the standard process and Node.js ones); the
 * alerting rules for Hallwatch itself pass `promtool check rules` and their unit tests; and a real
 * Prometheus, configured as the README shows (bearer token), scrapes the server while the
 * simulator runs and reports the same live-rack count and hall IT power as the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { startInfluxd, type Influxd } from '../helpers/influxd.ts';
import { startPrometheus, type Prometheus } from '../helpers/prometheus.ts';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { writeTestSites } from '../helpers/sites.ts';
import { notYet, seen, waitFor } from '../helpers/wait.ts';

const TOKEN = 'prometheus-test-admin-token-0001';

/** Runs promtool with stdin; exit code and everything it printed. */
function promtool(args: string[], stdin = ''): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    const p = execFile('promtool', args, { cwd: 'config' }, (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }));
    p.stdin!.end(stdin);
  });
}

describe('Prometheus and Hallwatch', () => {
  const sites = writeTestSites();
  let influx: Influxd;
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  let prom: Prometheus;
  let hook: Server;
  const bearer = { authorization: `Bearer ${TOKEN}` };
  const scrape = async () => (await fetch(`${server.baseUrl}/metrics`, { headers: bearer })).text();
  const api = (path: string) => fetch(server.baseUrl + path, { headers: bearer }).then((r) => r.json());

  beforeAll(async () => {
    influx = await startInfluxd();
    hook = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end()));
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    const hookPort = (hook.address() as { port: number }).port;
    server = await startServer([
      '--site', sites.server, '--embedded-broker-port', '0', '--influx', influx.url, '--admin-token', TOKEN,
      '--alert-webhook', `http://127.0.0.1:${hookPort}/hook`, '--alert-allow-targets', `127.0.0.1:${hookPort}`,
    ], { auth: true });
    sim = await startSimulator(['--site', sites.simulated, '--mqtt', server.mqttUrl, '--seed', '5']);
    // Racks go live within the simulator's first round; capacity and headroom need every CDU's first
    // sample and a pass of the group derivation (each group once a second) after it.
    await waitFor('8 live racks and every CDU reporting', async () => {
      const h = await api('/api/halls/hall-1');
      const ready = h.totals.racksLive === 8 && h.totals.cdusReporting === h.cdus.length && h.totals.headroomPct !== null;
      return ready || notYet({ totals: h.totals, cdus: h.cdus.length });
    });
  });
  afterAll(async () => {
    sim?.proc.kill('SIGCONT');
    await prom?.stop();
    await sim?.stop();
    await server?.stop();
    await influx?.stop();
    hook?.close();
  });

  it('serves /metrics that promtool accepts without a warning, with the standard runtime metrics', async () => {
    const text = await scrape();
    const check = await promtool(['check', 'metrics'], text);
    expect(check.out).toBe('');
    expect(check.code).toBe(0);
    const families = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
    const runtime = [
      'process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_open_fds', 'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_active_handles',
    ];
    expect(Object.fromEntries(runtime.map((n) => [n, families.get(n)]))).toEqual({
      process_cpu_seconds_total: 'counter', process_resident_memory_bytes: 'gauge', process_open_fds: 'gauge', nodejs_heap_size_used_bytes: 'gauge',
      nodejs_gc_duration_seconds: 'histogram', nodejs_eventloop_lag_p99_seconds: 'gauge', nodejs_active_handles: 'gauge',
    });
    // History and notifications are on: their families are in the check too.
    const storageAndNotifications = [
      'hallwatch_storage_lines_written_total', 'hallwatch_storage_lines_dropped_total', 'hallwatch_storage_oldest_unsent_age_seconds',
      'hallwatch_notifications_pending', 'hallwatch_notifications_oldest_pending_age_seconds',
      'hallwatch_messages_accepted_total', 'hallwatch_hall_it_power_watts',
    ];
    for (const n of storageAndNotifications) {
      expect(families.has(n), n).toBe(true);
    }
    expect(text).not.toMatch(/quantile=/);
  });

  it('labels capacity gauges by hall only: the series count does not grow with the racks', async () => {
    // /metrics reads the totals of the state's last tick and capacity follows each CDU's samples:
    // wait for a scrape that agrees with the API read just before it.
    const capacityW = (t: string) => Number(t.split('\n').find((l) => l.startsWith('hallwatch_hall_cooling_capacity_watts{hall="hall-1"} '))?.split(' ')[1]);
    const { text, hall } = await waitFor('the hall\'s capacity on /metrics to match the API', async () => {
      const read = { hall: await api('/api/halls/hall-1'), text: await scrape() };
      const metricW = capacityW(read.text);
      return Math.abs(metricW - read.hall.totals.coolingCapacityKw * 1000) < 1e-3 ? read : notYet({ metricW, apiKw: read.hall.totals.coolingCapacityKw });
    });
    const hallSeries = text.split('\n').filter((l) => l.startsWith('hallwatch_hall_'));
    expect(hallSeries.length).toBeGreaterThan(5);
    expect(hallSeries.every((l) => /^hallwatch_hall_[a-z0-9_]+\{hall="hall-1"(,state="[a-z]+")?\} /.test(l))).toBe(true);
    const series = (name: string) => Number(text.split('\n').find((l) => l.startsWith(`${name}{hall="hall-1"} `))?.split(' ')[1]);
    expect(series('hallwatch_hall_cooling_capacity_watts')).toBeCloseTo(hall.totals.coolingCapacityKw * 1000, 3);
    expect(series('hallwatch_hall_cooling_headroom_ratio')).toBeGreaterThan(0);
    expect(series('hallwatch_hall_cooling_headroom_ratio')).toBeLessThan(1);
    expect(text).toMatch(/^hallwatch_hall_racks\{hall="hall-1",state="live"\} 8$/m);
  });

  it('has alerting rules for itself that promtool checks and unit-tests', async () => {
    const check = await promtool(['check', 'rules', 'prometheus-rules.yml']);
    expect(check.out).toMatch(/SUCCESS: 13 rules found/);
    expect(check.out).not.toMatch(/WARNING|FAILED/);
    expect(check.code).toBe(0);
    const tests = await promtool(['test', 'rules', 'prometheus-rules.test.yml']);
    expect(tests.out).toMatch(/SUCCESS/);
    expect(tests.code).toBe(0);
  });

  it('is scraped by a real Prometheus with a bearer token, which agrees with the API', async () => {
    const port = new URL(server.baseUrl).port;
    prom = await startPrometheus(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - ${resolve('config/prometheus-rules.yml')}
scrape_configs:
  - job_name: hallwatch
    authorization:
      credentials: ${TOKEN}
    static_configs:
      - targets: ['127.0.0.1:${port}']
`);
    await waitFor('target up', async () => seen((await prom.query('up{job="hallwatch"}'))[0]?.value[1], (v) => v === '1'), 20_000, 250);
    const live = await prom.query('hallwatch_racks{state="live"}');
    expect(Number(live[0].value[1])).toBe((await api('/api/halls/hall-1')).totals.racksLive);
    const rules = await prom.api('/api/v1/rules');
    expect(rules.groups.map((g: { name: string; rules: unknown[] }) => [g.name, g.rules.length])).toEqual([['hallwatch', 11], ['hallwatch-pair', 2]]);

    // Freeze the publishers (SIGSTOP; their Last Will comes only after 1.5 × the 10 s keepalive):
    // the racks turn stale and keep their last power, so both sides hold still.
    sim.proc.kill('SIGSTOP');
    await waitFor('racks stale', async () => seen((await api('/api/halls/hall-1')).totals.racksLive, (v) => v === 0), 15_000);
    const itKw: number = (await api('/api/halls/hall-1')).totals.itKw;
    expect(itKw).toBeGreaterThan(100);
    await waitFor('Prometheus has the frozen IT power', async () => {
      const v = await prom.query('hallwatch_hall_it_power_watts{hall="hall-1"}');
      return (v[0] && Math.abs(Number(v[0].value[1]) - itKw * 1000) < 1e-6 * itKw * 1000) || notYet({ query: v, expectedW: itKw * 1000 });
    }, 15_000, 250);
    await waitFor('Prometheus sees 8 stale racks', async () =>
      seen((await prom.query('hallwatch_racks{state="stale"}'))[0]?.value[1], (v) => v === '8'), 10_000, 250);
    // Its own rule sees the site go quiet (pending: the rule holds for 2 minutes before firing).
    await waitFor('HallwatchNoLiveRacks pending', async () =>
      seen((await prom.api('/api/v1/alerts')).alerts as { labels: { alertname: string }; state: string }[],
        (alerts) => alerts.some((a) => a.labels.alertname === 'HallwatchNoLiveRacks' && a.state === 'pending')), 15_000, 250);
  });
});
