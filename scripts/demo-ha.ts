/**
 * `npm run demo:ha`: the redundant pair on this machine — three nats-server nodes (the bus's MQTT
 * listeners and the shared state), two Hallwatch servers, HAProxy in front and the simulator on
 * the demo site. Prints the one address, the wall's and the login; Ctrl-C stops everything.
 * Kill either server (its PID is printed) and the walls carry on through the other.
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsNodeConfig } from '../server/cluster/nats-node-config.ts';
import { haproxyConfig } from '../server/cluster/haproxy-config.ts';
import { DemoProcesses, freePort, root, waitHealthy } from './demo-processes.ts';

const site = process.env.HALLWATCH_SITE ?? 'sites/demo.json';
const dir = mkdtempSync(join(tmpdir(), 'hallwatch-demo-ha-'));
const demo = new DemoProcesses('demo:ha', dir, 'the other server carries on');
const launch = demo.launch.bind(demo);

async function main(): Promise<void> {
  console.error('hallwatch demo:ha: building the dashboard…');
  execSync('npx vite build --logLevel warn', { cwd: root, stdio: 'inherit' });
  const nodes = [];
  for (let i = 1; i <= 3; i++) nodes.push({ name: `nats-${i}`, client: await freePort(), http: await freePort(), mqtt: await freePort(), cluster: await freePort() });
  const routes = nodes.map((n) => `127.0.0.1:${n.cluster}`);
  for (const n of nodes) {
    const conf = join(dir, `${n.name}.conf`);
    writeFileSync(conf, natsNodeConfig({
      serverName: n.name, host: '127.0.0.1', clientPort: n.client, httpPort: n.http, mqttPort: n.mqtt, clusterPort: n.cluster, routes, storeDir: join(dir, n.name),
    }));
    await launch(n.name, 'nats-server', ['-c', conf], null);
  }
  for (const n of nodes) await waitHealthy(`http://127.0.0.1:${n.http}/healthz`);
  const mqtt = nodes.map((n) => `mqtt://127.0.0.1:${n.mqtt}`).join(',');
  const cluster = nodes.map((n) => `nats://127.0.0.1:${n.client}`).join(',');
  const servers = [{ name: 'hallwatch-a', port: await freePort() }, { name: 'hallwatch-b', port: await freePort() }];
  const serverLines: string[][] = [];
  for (const [i, s] of servers.entries()) {
    mkdirSync(join(dir, s.name));
    const args = ['--max-semi-space-size=64', '--import', 'tsx', 'server/main.ts', '--site', site, '--mqtt', mqtt, '--cluster', cluster,
      '--server-name', s.name, '--port', String(s.port), '--storage-dir', join(dir, s.name), '--trusted-proxies', '127.0.0.1', '--log-level', 'warn',
      // The first server sets a fresh admin password in the shared users and prints it; the second uses it.
      ...(i === 0 ? ['--print-admin-login', '1'] : [])];
    serverLines.push(await launch(s.name, process.execPath, args, 'HALLWATCH_READY'));
  }
  const lbPort = Number(process.env.HALLWATCH_PORT ?? 0) || await freePort();
  const statsPort = await freePort();
  const lbConf = join(dir, 'haproxy.cfg');
  writeFileSync(lbConf, haproxyConfig({
    bind: `127.0.0.1:${lbPort}`, statsBind: `127.0.0.1:${statsPort}`, service: false, servers: servers.map((s) => ({ name: s.name, host: '127.0.0.1', port: s.port })),
  }));
  await launch('haproxy', 'haproxy', ['-db', '-f', lbConf], null);
  const simLines = await launch('simulator', process.execPath, ['--import', 'tsx', 'simulators/main.ts', '--site', site, '--mqtt', mqtt, '--control-port', '0'], 'HALLWATCH_SIM_READY');
  const control = simLines.map((l) => /control=(\d+)/.exec(l)?.[1]).find(Boolean);
  const login = serverLines[0].map((l) => /^HALLWATCH_ADMIN_LOGIN user=(\S+) password=(\S+)/.exec(l)).find(Boolean);
  const wallPath = serverLines[0].map((l) => /^HALLWATCH_WALL_PATH (\S+)/.exec(l)?.[1]).find(Boolean) ?? '/wall';
  const pids = servers.map((s, i) => `${s.name} pid ${demo.pid(s.name)} (:${servers[i].port})`).join(', ');
  console.log(`
  Hallwatch pair is running: two servers behind HAProxy on a three-node NATS cluster.
    Dashboard:  http://127.0.0.1:${lbPort}/
    Wall (NOC): http://127.0.0.1:${lbPort}${wallPath}
    Log in:     ${login ? `user ${login[1]}, password ${login[2]} (new at every start)` : 'authentication is off'}
    Servers:    ${pids}
    HAProxy:    http://127.0.0.1:${statsPort}/haproxy (stats)
    MQTT:       ${mqtt}
    Try:        kill -9 one server's pid: walls reconnect to the other, the other leads and pages.
    Inject a fault:  curl -X POST --data 'cdu-trip:h1-r02-cdu-a' http://127.0.0.1:${control}/faults
  Ctrl-C stops everything.
`);
}

main().catch((e: Error) => {
  console.error(`hallwatch demo:ha: ${e.message}`);
  void demo.stop(1);
});
