/**
 * Two real servers sharing operator state on a real three-node NATS cluster (`--cluster`), the
 * racks on its MQTT listener: a login, an API token and a display token issued by one are
 * accepted by the other, a revoked display token closes the other's WebSocket, an
 * acknowledgement, a silence, new rules and a wall layout made on one reach the other; two
 * servers changing the same object at once give one 200 and one 409 naming the conflict; a
 * server with another site file is refused; a write the cluster cannot take is a 503.
 * How long each change took to reach the other server is printed, not asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import mqtt, { type MqttClient } from 'mqtt';
import { CLOSE_AUTH_ENDED } from '../../protocol/stream.ts';
import { DEFAULT_TOPIC_ROOT, entityTopic } from '../../protocol/topics.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { startNatsCluster, type NatsCluster } from '../helpers/nats-cluster.ts';
import { startServer, type Program } from '../helpers/programs.ts';
import { notYet, waitFor } from '../helpers/wait.ts';

const TOKEN = 'test-admin-token-shared-state';
type Server = Program & { port: number; baseUrl: string };

const dir = mkdtempSync(join(tmpdir(), 'hallwatch-shared-state-'));
const site = generateSite({ halls: 1, rows: 2, racksPerRow: 4, racksPerCdu: 2, name: 'pair site' });
const sitePath = join(dir, 'site.json');
writeFileSync(sitePath, JSON.stringify(site));
const rulesPath = join(dir, 'rules.json');
const leakRule = { id: 'rack-leak', severity: 'critical', scope: 'rack', signal: 'leak', comparison: 'above', trigger: 2, clear: 1.5, pendingS: 0, summary: 'leak' };
writeFileSync(rulesPath, JSON.stringify({ version: 1, rules: [leakRule] }));
const leakingRack = site.halls[0].rows[0].racks[0].id;

let cluster: NatsCluster;
let a: Server;
let b: Server;
let pub: MqttClient;
const programs: Program[] = [];
/** The leak incident both servers hold once the acknowledgement test ran. */
let incidentId = '';

function serverArgs(name: string, node: number, extra: string[] = []): string[] {
  return ['--site', sitePath, '--cluster', cluster.natsUrls, '--server-name', name, '--mqtt', cluster.nodes[node].mqttUrl,
    '--storage-dir', mkdtempSync(join(dir, `${name}-`)), '--admin-token', TOKEN, '--alert-rules', rulesPath, '--ws-auth-recheck-ms', '60000', ...extra];
}

async function call(s: Server, method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) {
  const res = await fetch(s.baseUrl + path, { method, headers: { ...headers, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** Waits until `probe` holds on `s`, and prints how long the change took to get there. */
async function reaches<T>(what: string, since: number, probe: () => Promise<T | ReturnType<typeof notYet>>): Promise<void> {
  await waitFor(what, probe as never, 15_000, 20);
  console.log(`${what}: ${Date.now() - since} ms`);
}

beforeAll(async () => {
  cluster = await startNatsCluster(3);
  a = await startServer(serverArgs('a', 0), { auth: true });
  programs.push(a);
  b = await startServer(serverArgs('b', 1), { auth: true });
  programs.push(b);
  pub = mqtt.connect(cluster.nodes[2].mqttUrl, { clientId: 'shared-state-test-publisher' });
  await new Promise((r) => pub.once('connect', r));
}, 180_000);

afterAll(async () => {
  pub?.end(true);
  await Promise.all(programs.map((p) => p.stop()));
  await cluster?.stop();
});

describe('two servers on one cluster', () => {
  it('accept each other\'s logins, API tokens and display tokens, and a display token revoked on one closes the other\'s WebSocket', async () => {
    expect((await call(a, 'PUT', '/api/admin/users/olga', { role: 'operator', password: 'a-long-enough-pass' })).status).toBe(200);
    let t0 = Date.now();
    await reaches('a user created on A can log in on B', t0, async () => (await call(b, 'GET', '/api/admin/users')).body.some((u: { name: string }) => u.name === 'olga') || notYet('no olga'));
    const login = await fetch(a.baseUrl + '/api/login', { method: 'POST', body: JSON.stringify({ name: 'olga', password: 'a-long-enough-pass' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    expect(await call(b, 'GET', '/api/me', undefined, { cookie })).toMatchObject({ status: 200, body: { name: 'olga', role: 'operator' } });

    const api = (await call(a, 'POST', '/api/admin/tokens', { name: 'grafana', role: 'viewer' })).body.token as string;
    t0 = Date.now();
    await reaches('an API token issued on A works on B', t0, async () => (await call(b, 'GET', '/api/site', undefined, { authorization: `Bearer ${api}` })).status === 200 || notYet('refused'));

    const wall = (await call(a, 'POST', '/api/admin/display-tokens', { name: 'noc-wall', expiresInDays: null })).body;
    const q = `token=${encodeURIComponent(wall.token)}`;
    t0 = Date.now();
    await reaches('a display token issued on A works on B', t0, async () => (await fetch(`${b.baseUrl}/api/site?${q}`)).status === 200 || notYet('refused'));
    const ws = new WebSocket(`ws://127.0.0.1:${b.port}/ws?${q}`);
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    await new Promise((r) => ws.once('message', r));
    t0 = Date.now();
    expect((await call(a, 'DELETE', `/api/admin/display-tokens/${wall.id}`)).status).toBe(200);
    expect(await closed).toEqual({ code: CLOSE_AUTH_ENDED, reason: 'display token "noc-wall" was revoked' });
    console.log(`a display token revoked on A closed its WebSocket on B: ${Date.now() - t0} ms`);
    expect((await fetch(`${b.baseUrl}/api/site?${q}`)).status).toBe(401);
  });

  it('share acknowledgements, silences and rules', async () => {
    const topic = entityTopic(DEFAULT_TOPIC_ROOT, site.halls[0].id, 'rack', leakingRack, 'telemetry');
    const incidentOn = async (s: Server) => {
      pub.publish(topic, JSON.stringify({ ts: Date.now(), rackKw: 120, supplyC: 40, returnC: 48, flowLpm: 182, leak: 2 }));
      const incidents = (await call(s, 'GET', '/api/alerts')).body.incidents as { id: string }[];
      return incidents.find((i) => i.id.includes(leakingRack)) ?? notYet(incidents);
    };
    const incident = await waitFor('the leak incident on A', () => incidentOn(a), 20_000, 500);
    incidentId = incident.id;
    await waitFor('the leak incident on B', () => incidentOn(b), 20_000, 500);
    const path = `/api/incidents/${encodeURIComponent(incident.id)}/ack`;
    let t0 = Date.now();
    expect((await call(a, 'POST', path, { comment: 'valve closed' })).status).toBe(200);
    await reaches('an acknowledgement made on A shows on B', t0, async () => {
      const inc = (await call(b, 'GET', '/api/alerts')).body.incidents.find((i: { id: string }) => i.id === incident.id);
      return inc?.acknowledged?.comment === 'valve closed' || notYet(inc);
    });

    t0 = Date.now();
    const silence = (await call(a, 'POST', '/api/silences', { matcher: `rack:${leakingRack}`, minutes: 30, comment: 'plumber on site' })).body;
    await reaches('a silence added on A mutes the incident on B', t0, async () => {
      const inc = (await call(b, 'GET', '/api/alerts')).body.incidents.find((i: { id: string }) => i.id === incident.id);
      return inc?.silencedBy === silence.id || notYet(inc);
    });
    t0 = Date.now();
    expect((await call(b, 'DELETE', `/api/silences/${silence.id}`)).status).toBe(200);
    await reaches('a silence removed on B is gone on A', t0, async () => {
      const silences = (await call(a, 'GET', '/api/alerts')).body.silences as { id: string }[];
      return silences.every((s) => s.id !== silence.id) || notYet(silences);
    });

    t0 = Date.now();
    const rules = { version: 1, rules: [{ ...leakRule, severity: 'major', summary: 'leak (major)' }] };
    expect((await call(a, 'PUT', '/api/admin/rules', rules)).status).toBe(200);
    await reaches('rules replaced on A are evaluated on B', t0, async () => {
      const alerts = (await call(b, 'GET', '/api/alerts')).body.alerts as { severity: string }[];
      return alerts.some((x) => x.severity === 'major') || notYet(alerts);
    });
    expect((await call(b, 'GET', '/api/admin/rules')).body).toEqual(rules);

    // SIGHUP stores the rules file as the shared rules: both servers apply it.
    const fromFile = { version: 1, rules: [{ ...leakRule, severity: 'minor', summary: 'leak (from the file)' }] };
    writeFileSync(rulesPath, JSON.stringify(fromFile));
    t0 = Date.now();
    a.proc.kill('SIGHUP');
    await reaches('the rules file stored by SIGHUP on A is evaluated on B', t0, async () => {
      const alerts = (await call(b, 'GET', '/api/alerts')).body.alerts as { severity: string }[];
      return alerts.some((x) => x.severity === 'minor') || notYet(alerts);
    });
  });

  it('share wall layouts', async () => {
    const t0 = Date.now();
    expect((await call(a, 'PUT', '/api/admin/wall-layouts/noc', { metric: 'headroom', rotateS: 60 })).status).toBe(200);
    await reaches('a wall layout saved on A is served by B', t0, async () => {
      const r = await call(b, 'GET', '/api/wall/layouts/noc');
      return r.body.metric === 'headroom' || notYet(r);
    });
  });

  /**
   * Sends `change(server, round)` to both servers at once, round after round, until one round
   * gives one 200 and one 409; after each round both servers must hold what a 200 stored.
   */
  async function race(what: string, change: (s: Server, round: number) => Promise<{ status: number; body: any }>,
    held: (s: Server, round: number) => Promise<unknown>, sent: (s: Server, round: number) => unknown): Promise<string> {
    const outcomes: string[] = [];
    let conflict = '';
    for (let round = 0; round < 20 && !conflict; round++) {
      const [ra, rb] = await Promise.all([change(a, round), change(b, round)]);
      outcomes.push(`${ra.status},${rb.status}`);
      expect([ra.status, rb.status].every((st) => st === 200 || st === 409)).toBe(true);
      conflict = [ra, rb].find((r) => r.status === 409)?.body.error ?? '';
      const stored = [[a, ra], [b, rb]].filter(([, r]) => (r as { status: number }).status === 200).map(([s]) => sent(s as Server, round));
      for (const s of [a, b]) {
        await waitFor(`${what}: both servers holding what was stored`, async () => {
          const h = await held(s, round);
          return stored.some((x) => JSON.stringify(x) === JSON.stringify(h)) || notYet({ held: h, stored });
        });
      }
    }
    console.log(`${what} on A and B at once, round by round: ${outcomes.join(' | ')}`);
    expect(conflict).not.toBe('');
    return conflict;
  }

  it('give one of two changes of the same wall layout made at once a 409 naming it, and lose neither', async () => {
    const rotate = (s: Server) => (s === a ? 10 : 20);
    const conflict = await race('saving one wall layout',
      (s, round) => call(s, 'PUT', `/api/admin/wall-layouts/race-${round}`, { rotateS: rotate(s) }),
      async (s, round) => (await call(s, 'GET', `/api/wall/layouts/race-${round}`)).body.rotateS,
      rotate);
    expect(conflict).toMatch(/^conflict: wall layout "race-\d+" was created on another server meanwhile; reload and try again$/);
  });

  it('give one of two acknowledgements of one incident made at once a 409 naming who acknowledged it', async () => {
    const comment = (s: Server, round: number) => `${s === a ? 'from A' : 'from B'} ${round}`;
    const conflict = await race('acknowledging one incident',
      (s, round) => call(s, 'POST', `/api/incidents/${encodeURIComponent(incidentId)}/ack`, { comment: comment(s, round) }),
      async (s) => (await call(s, 'GET', '/api/alerts')).body.incidents.find((i: { id: string }) => i.id === incidentId)?.acknowledged?.comment,
      comment);
    expect(conflict).toMatch(new RegExp(`^conflict: incident ${incidentId} was acknowledged by admin-token on another server at \\S+: "from [AB] \\d+"$`));
  });

  it('refuses a server whose site file is another site, naming both', async () => {
    const otherPath = join(dir, 'other-site.json');
    writeFileSync(otherPath, JSON.stringify(generateSite({ halls: 2, rows: 1, racksPerRow: 3, racksPerCdu: 3, name: 'other site' })));
    const args = serverArgs('c', 2);
    args[args.indexOf(sitePath)] = otherPath;
    const refused = await startServer(args, { auth: true }).then((p) => (programs.push(p), 'started'), (e: Error) => e.message);
    expect(refused).toMatch(/exited with 1 before ready/);
    expect(refused).toMatch(/this server's site file is "other site" \(6 racks, .*\) but the cluster runs "pair site" \(8 racks, .*stored by server a/);
    expect(refused).toMatch(/--cluster-adopt-site 1/);
  });

  it('answers 503 with the reason when the cluster cannot store a change, and stores the next one once it can', async () => {
    // Two of three nodes down: no quorum, the write times out.
    await Promise.all([cluster.nodes[1].kill(), cluster.nodes[2].kill()]);
    try {
      const r = await call(a, 'PUT', '/api/admin/wall-layouts/outage', { rotateS: 5 });
      console.log(`a change while two of three nodes are down: HTTP ${r.status} ${r.body.error}`);
      expect(r.status).toBe(503);
      expect(r.body.error).toMatch(/^hallwatch-state\/wall\.layouts: the change could not be stored \(.+\); nothing was changed here, try again$/);
      expect((await call(a, 'GET', '/api/wall/layouts/outage')).status).toBe(404);
    } finally {
      await Promise.all([cluster.nodes[1].start(), cluster.nodes[2].start()]);
      // Back in the meta group (every stream current may take nats-server minutes after a lost
      // quorum); the write below is retried until the state bucket stores it.
      await cluster.rejoined();
    }
    await waitFor('a write stored again after the outage', async () => {
      const r = await call(a, 'PUT', '/api/admin/wall-layouts/outage', { rotateS: 5 });
      return r.status === 200 || notYet(r.body);
    }, 60_000, 1000);
    await waitFor('B serving it', async () => (await call(b, 'GET', '/api/wall/layouts/outage')).status === 200 || notYet('404'));
    const metrics = await (await fetch(`${a.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(metrics).toMatch(/^hallwatch_cluster_connected 1$/m);
    expect(metrics).toMatch(/^hallwatch_cluster_kv_write_seconds_count\{outcome="stored"\} [1-9]/m);
    expect(metrics).toMatch(/^hallwatch_cluster_kv_write_seconds_count\{outcome="not_stored"\} [1-9]/m);
  });
});
