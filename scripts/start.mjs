#!/usr/bin/env node
// `npm start`: the zero-setup demo. Installs npm packages if missing, builds the dashboard,
// starts the server (with the embedded aedes broker unless HALLWATCH_MQTT_URL names a broker)
// and the simulator on the demo site, then prints the dashboard URL. Ctrl-C stops everything.
import { spawn, execSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNodeModules } from './ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
ensureNodeModules();
console.error('hallwatch: building the dashboard…');
execSync('npx vite build --logLevel warn', { cwd: root, stdio: 'inherit' });

const env = { ...process.env };
const site = env.HALLWATCH_SITE ?? 'sites/demo.json';
// The demo prints a fresh admin password at each start (unless HALLWATCH_AUTH=off).
const serverArgs = ['--site', site, '--print-admin-login', '1'];
if (!env.HALLWATCH_MQTT_URL) serverArgs.push('--embedded-broker-port', env.HALLWATCH_EMBEDDED_BROKER_PORT ?? '0');

// As `npm run serve` runs it: a young generation large enough that a sample's objects die in it
// (16 MB semi-spaces promoted ~10 MB/s of them at 1 GW; see docs/benchmarks.md).
const SERVER_NODE_ARGS = ['--max-semi-space-size=64'];

const children = [];
function launch(name, script, args, readyPrefix, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`hallwatch: ${name} exited (${signal ?? code}); stopping the demo`);
      stop(1);
    }
  });
  return new Promise((resolve) => {
    let buf = '';
    const lines = [];
    child.stdout.on('data', (chunk) => {
      buf += chunk;
      for (const line of buf.split('\n').slice(0, -1)) {
        lines.push(line);
        if (line.startsWith(readyPrefix)) resolve({ line, lines });
      }
      buf = buf.slice(buf.lastIndexOf('\n') + 1);
    });
  });
}

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  // Simulator first (it announces its racks offline), then the server and its broker.
  const [server, sim] = children;
  const waitExit = (c) => (c && c.exitCode === null ? new Promise((r) => { c.once('exit', r); c.kill('SIGTERM'); }) : Promise.resolve());
  const force = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), 10_000);
  waitExit(sim).then(() => waitExit(server)).then(() => {
    clearTimeout(force);
    process.exit(code);
  });
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

const { line: ready, lines: serverLines } = await launch('server', 'server/main.ts', serverArgs, 'HALLWATCH_READY', SERVER_NODE_ARGS);
const port = /port=(\d+)/.exec(ready)[1];
const mqttUrl = /mqtt=(\S+)/.exec(ready)[1];
const login = serverLines.map((l) => /^HALLWATCH_ADMIN_LOGIN user=(\S+) password=(\S+)/.exec(l)).find(Boolean);
const wallPath = serverLines.map((l) => /^HALLWATCH_WALL_PATH (\S+)/.exec(l)?.[1]).find(Boolean) ?? '/wall';
const simArgs = ['--site', site, '--mqtt', mqttUrl, '--control-port', env.HALLWATCH_SIM_CONTROL_PORT ?? '0'];
const { line: simReady } = await launch('simulator', 'simulators/main.ts', simArgs, 'HALLWATCH_SIM_READY');
const control = /control=(\d+)/.exec(simReady)?.[1];
const host = env.HALLWATCH_HOST && env.HALLWATCH_HOST !== '0.0.0.0' ? env.HALLWATCH_HOST : '127.0.0.1';
console.log(`
  Hallwatch demo is running.
    Dashboard:  http://${host}:${port}/
    Wall (NOC): http://${host}:${port}${wallPath}
    Log in:     ${login ? `user ${login[1]}, password ${login[2]} (new at every start)` : 'authentication is off'}
    MQTT:       ${mqttUrl}${env.HALLWATCH_MQTT_URL ? '' : ' (embedded aedes broker)'}
    Inject a fault:  curl -X POST --data 'cdu-trip:h1-r02-cdu-a' http://127.0.0.1:${control}/faults
    Clear faults:    curl -X POST --data 'clear-all' http://127.0.0.1:${control}/faults
  Ctrl-C stops everything.
`);
