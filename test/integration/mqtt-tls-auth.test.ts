import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { heatKw } from '../../protocol/coolant.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { startServer, startSimulator } from '../helpers/programs.ts';
import { writeTestSites } from '../helpers/sites.ts';
import { getJson, notYet, seen, waitFor } from '../helpers/wait.ts';

/** A private CA and a broker certificate for 127.0.0.1, made with openssl. */
function makeCertificates(dir: string) {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Hallwatch test CA');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run('x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'broker.pem', '-days', '2', '-extfile', 'san.ext');
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'broker.pem'), key: join(dir, 'broker.key') };
}

describe('ingest from a TLS broker with username and password (real Mosquitto)', () => {
  const sites = writeTestSites();
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-tls-'));
  let broker: Mosquitto;
  let certs: ReturnType<typeof makeCertificates>;
  const servers: Awaited<ReturnType<typeof startServer>>[] = [];

  beforeAll(async () => {
    certs = makeCertificates(dir);
    const passwords = join(dir, 'passwords');
    execFileSync('mosquitto_passwd', ['-b', '-c', passwords, 'hallwatch', 's3cret-pass'], { stdio: 'pipe' });
    broker = await startMosquitto({
      scheme: 'mqtts',
      listenerConfig: [`cafile ${certs.ca}`, `certfile ${certs.cert}`, `keyfile ${certs.key}`, 'allow_anonymous false', `password_file ${passwords}`],
    });
  });

  afterAll(async () => {
    for (const s of servers) await s.stop();
    await broker?.stop();
  });

  it('verifies the broker against the given CA, logs in and takes readings', async () => {
    const server = await startServer([
      '--site', sites.server, '--mqtt', broker.url, '--mqtt-ca', certs.ca, '--mqtt-username', 'hallwatch', '--mqtt-password', 's3cret-pass',
    ]);
    servers.push(server);
    await waitFor('server connected', async () => seen((await getJson(`${server.baseUrl}/healthz`)).status, (v) => v === 'ok'));
    const pub = await mqtt.connectAsync(broker.url, { ca: readFileSync(certs.ca), username: 'hallwatch', password: 's3cret-pass', protocolVersion: 4 });
    const sample = { ts: Date.now(), rackKw: 120, supplyC: 40, returnC: 49.5, flowLpm: 175 };
    await pub.publishAsync('hallwatch/v1/hall-1/rack/probe-1/telemetry', JSON.stringify(sample));
    const rack = await waitFor('probe-1 live', async () => {
      const r = await getJson(`${server.baseUrl}/api/racks/probe-1`);
      return r.state === 'live' ? r : notYet(r);
    });
    expect(rack.heatKw).toBeCloseTo(heatKw('water', 175, 40, 49.5), 2);
    await pub.endAsync();
  });

  it('runs the simulator against the TLS broker too', async () => {
    const server = servers[0];
    const sim = await startSimulator([
      '--site', sites.simulated, '--mqtt', broker.url, '--mqtt-ca', certs.ca,
      '--mqtt-username', 'hallwatch', '--mqtt-password', 's3cret-pass', '--connections', 'shared',
    ]);
    try {
      await waitFor('simulated racks live', async () => seen((await getJson(`${server.baseUrl}/api/halls/hall-1`)).totals.racksLive, (v) => v >= 8), 10_000);
    } finally {
      await sim.stop();
    }
  });

  it('reads a DSX Exchange bus on the TLS broker, verified against the same private CA', async () => {
    const tls = ['--mqtt', broker.url, '--mqtt-ca', certs.ca, '--mqtt-username', 'hallwatch', '--mqtt-password', 's3cret-pass'];
    // Only the DSX bus feeds it: nothing publishes under its hallwatch/v1 root.
    const server = await startServer(['--site', sites.simulated, ...tls, '--topic-root', 'unused/v1', '--dsx-root', 'BMS/v1']);
    servers.push(server);
    const sim = await startSimulator(['--site', sites.simulated, ...tls, '--dialect', 'dsx']);
    try {
      const rackId = sites.spec.halls[0].rows.find((r) => r.id !== 'h1-probe')!.racks[0].id;
      const rack = await waitFor(`${rackId} live from DSX points over mqtts://`, async () => {
        const r = await getJson(`${server.baseUrl}/api/racks/${rackId}`);
        return r.state === 'live' && r.heatKw !== null ? r : null;
      }, 20_000);
      expect(rack.heatKw).toBeCloseTo(heatKw('water', rack.flowLpm, rack.supplyC, rack.returnC), 1);
      const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/^hallwatch_dsx_connected 1$/m);
      expect(metrics).toMatch(/^hallwatch_dsx_accepted_total\{kind="rack"\} [1-9]\d*$/m);
    } finally {
      await sim.stop();
    }
  });

  it.each([
    ['a wrong password', ['--mqtt-username', 'hallwatch', '--mqtt-password', 'wrong', '--mqtt-ca', 'CA'], /not authori[sz]ed|bad user name or password/i],
    ['an unknown CA', ['--mqtt-username', 'hallwatch', '--mqtt-password', 's3cret-pass'], /self[- ]signed|unable to verify|certificate/i],
  ])('stays up and reports degraded with %s, naming the cause in its log', async (_what, flags, logPattern) => {
    const args = flags.map((f) => (f === 'CA' ? certs.ca : f));
    const server = await startServer(['--site', sites.server, '--mqtt', broker.url, '--log-level', 'info', ...args]);
    servers.push(server);
    await waitFor('the cause in the log', () => logPattern.test(server.output()) || notYet(server.output().split('\n').slice(-10)), 10_000);
    // Retries every second, but the log says it once (then a reminder every 30 s): counted after the broker saw two more attempts.
    const attempts = () => broker.log().filter((l) => / New connection from /.test(l)).length;
    const attemptsAtCause = attempts();
    await waitFor('two more connection attempts at the broker', () => seen(broker.log().slice(-5), () => attempts() >= attemptsAtCause + 2), 10_000);
    expect(server.output().split('\n').filter((l) => logPattern.test(l))).toHaveLength(1);
    const res = await fetch(`${server.baseUrl}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'degraded', checks: { mqtt: 'disconnected' } });
    expect(server.proc.exitCode).toBeNull();
  });
});
