/**
 * `npm run demo:ha`: the redundant pair on this machine — three nats-server nodes (the bus's MQTT
 * listeners and the shared state), two Hallwatch servers, HAProxy in front and the simulator on
 * the demo site. Prints the one address, the wall's and the login; Ctrl-C stops everything.
 * Kill either server (its PID is printed) and the walls carry on through the other.
 */
import { spawn, execSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsNodeConfig } from '../server/cluster/nats-node-config.ts';
import { haproxyConfig } from '../server/cluster/haproxy-config.ts';

const root = join(import.meta.dirname, '..');
const site = process.env.HALLWATCH_SITE ?? 'sites/demo.json';
const dir = mkdtempSync(join(tmpdir(), 'hallwatch-demo-ha-'));
const children: { name: string; proc: ChildProcess }[] = [];
let stopping = false;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Starts a program; resolves with its output lines once one starts with `readyPrefix` (or at once without one). */
function launch(name: string, cmd: string, args: string[], readyPrefix: string | null): Promise<string[]> {
  const proc = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push({ name, proc });
  const lines: string[] = [];
  proc.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`hallwatch demo:ha: ${name} exited (${signal ?? code})${name.startsWith('hallwatch-') ? '; the other server carries on' : ''}`);
    if (!name.startsWith('hallwatch-')) void stop(1);
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${name} not ready after 60 s:\n${lines.join('\n')}`)), 60_000);
    const onData = (chunk: Buffer) => {
      buf += chunk;
      const parts = buf.split('\n');
      buf = parts.pop()!;
      lines.push(...parts);
      if (readyPrefix === null || parts.some((l) => l.startsWith(readyPrefix))) {
        clearTimeout(timer);
        resolve(lines);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (c: Buffer) => {
      if (name.startsWith('hallwatch-')) process.stderr.write(`[${name}] ${c}`);
      else lines.push(String(c));
    });
    if (readyPrefix === null) {
      clearTimeout(timer);
      resolve(lines);
    }
  });
}

async function waitHealthy(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if (((await (await fetch(url)).json()) as { status?: string }).status === 'ok') return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not healthy after 60 s`);
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // The simulator first (its racks go offline cleanly), then the servers, HAProxy, the cluster.
  for (const c of [...children].reverse()) {
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) continue;
    const exited = new Promise((r) => c.proc.once('exit', r));
    c.proc.kill('SIGTERM');
    const force = setTimeout(() => c.proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(force);
  }
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

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
  const pids = servers.map((s, i) => `${s.name} pid ${children.find((c) => c.name === s.name)!.proc.pid} (:${servers[i].port})`).join(', ');
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
  void stop(1);
});
