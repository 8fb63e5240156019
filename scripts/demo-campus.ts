/**
 * `npm run demo:campus`: a campus on this machine — one nats-server node (the bus's MQTT listener
 * and the cluster), one hall shard per hall of the demo site (`--halls`), the campus view
 * (`--campus`) and the simulator. Prints the campus view's address, each shard's and the login;
 * Ctrl-C stops everything. Kill a shard (its PID is printed): its hall turns stale on the campus
 * view with the reason, the others stay live; start it again with the printed command.
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { natsNodeConfig } from '../server/cluster/nats-node-config.ts';
import type { SiteSpec } from '../protocol/site.ts';
import { DemoProcesses, freePort, root, waitHealthy } from './demo-processes.ts';

const site = process.env.HALLWATCH_SITE ?? 'sites/demo.json';
const dir = mkdtempSync(join(tmpdir(), 'hallwatch-demo-campus-'));
const demo = new DemoProcesses('demo:campus', dir, 'its halls turn stale on the campus view');

async function main(): Promise<void> {
  console.error('hallwatch demo:campus: building the dashboard…');
  execSync('npx vite build --logLevel warn', { cwd: root, stdio: 'inherit' });
  const n = { client: await freePort(), http: await freePort(), mqtt: await freePort(), cluster: await freePort() };
  const conf = join(dir, 'nats.conf');
  writeFileSync(conf, natsNodeConfig({
    serverName: 'nats-1', host: '127.0.0.1', clientPort: n.client, httpPort: n.http, mqttPort: n.mqtt, clusterPort: n.cluster,
    routes: [`127.0.0.1:${n.cluster}`], storeDir: join(dir, 'nats-1'),
  }));
  await demo.launch('nats-1', 'nats-server', ['-c', conf], null);
  await waitHealthy(`http://127.0.0.1:${n.http}/healthz`);
  const mqtt = `mqtt://127.0.0.1:${n.mqtt}`;
  const cluster = `nats://127.0.0.1:${n.client}`;
  const server = (name: string, port: number, extra: string[]) => {
    mkdirSync(join(dir, name), { recursive: true });
    return ['--max-semi-space-size=64', '--import', 'tsx', 'server/main.ts', '--site', site, '--cluster', cluster, '--server-name', name,
      '--port', String(port), '--storage-dir', join(dir, name), '--log-level', 'warn', ...extra];
  };
  const hallIds = (JSON.parse(readFileSync(resolve(root, site), 'utf8')) as SiteSpec).halls.map((h) => h.id);
  const shards: { name: string; port: number; args: string[] }[] = [];
  for (const h of hallIds) {
    const name = `hallwatch-shard-${h}`;
    const port = await freePort();
    const args = server(name, port, ['--mqtt', mqtt, '--halls', h]);
    shards.push({ name, port, args });
    await demo.launch(name, process.execPath, args, 'HALLWATCH_READY');
  }
  const campusPort = Number(process.env.HALLWATCH_PORT ?? 0) || await freePort();
  // The campus view sets a fresh admin password in the shared users and prints it; the shards take the same.
  const campusLines = await demo.launch('campus', process.execPath, server('campus', campusPort, ['--campus', '1', '--print-admin-login', '1']), 'HALLWATCH_READY');
  const simLines = await demo.launch('simulator', process.execPath, ['--import', 'tsx', 'simulators/main.ts', '--site', site, '--mqtt', mqtt, '--control-port', '0'], 'HALLWATCH_SIM_READY');
  const control = simLines.map((l) => /control=(\d+)/.exec(l)?.[1]).find(Boolean);
  const login = campusLines.map((l) => /^HALLWATCH_ADMIN_LOGIN user=(\S+) password=(\S+)/.exec(l)).find(Boolean);
  const shardLines = shards.map((s) => `      ${s.name}: http://127.0.0.1:${s.port}/  pid ${demo.pid(s.name)}`).join('\n');
  console.log(`
  Hallwatch campus is running: ${shards.length} hall shards and the campus view on one NATS node.
    Campus view: http://127.0.0.1:${campusPort}/
    Log in:      ${login ? `user ${login[1]}, password ${login[2]} (new at every start; the shards take it too)` : 'authentication is off'}
    Shards:
${shardLines}
    MQTT:        ${mqtt}   NATS: ${cluster}
    Try:         kill -9 a shard's pid: its hall turns stale on the campus view with the reason, the others stay live.
    Inject a fault:  curl -X POST --data 'cdu-trip:h1-r02-cdu-a' http://127.0.0.1:${control}/faults
  Ctrl-C stops everything.
`);
}

main().catch((e: Error) => {
  console.error(`hallwatch demo:campus: ${e.message}`);
  void demo.stop(1);
});
