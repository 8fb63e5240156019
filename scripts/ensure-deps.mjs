#!/usr/bin/env node
// Installs what Hallwatch needs when it is missing: npm packages (npm ci), and with `--test`
// Mosquitto, InfluxDB, Chromium, openssl (test certificates), faketime (calendar check) and
// Prometheus with promtool, nats-server (the cluster), HAProxy and Alertmanager from Debian (apt-get; nothing is downloaded from anywhere else).
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
const has = (cmd) => {
  try {
    execSync(`command -v ${cmd}`, { stdio: 'ignore', shell: '/bin/sh' });
    return true;
  } catch {
    return false;
  }
};

export function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
    console.error('hallwatch: installing npm packages (npm ci)…');
    run('npm ci --no-audit --no-fund');
  }
}

export function ensureTestPackages() {
  const missing = [];
  if (!has('mosquitto') && !existsSync('/usr/sbin/mosquitto')) missing.push('mosquitto');
  if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
  if (!has('openssl')) missing.push('openssl');
  if (!existsSync('/usr/bin/influxd')) missing.push('influxdb');
  if (!has('faketime')) missing.push('faketime');
  if (!existsSync('/usr/bin/prometheus') || !existsSync('/usr/bin/promtool')) missing.push('prometheus');
  if (!existsSync('/usr/sbin/nats-server') && !has('nats-server')) missing.push('nats-server');
  if (!existsSync('/usr/sbin/haproxy') && !has('haproxy')) missing.push('haproxy');
  if (!existsSync('/usr/bin/prometheus-alertmanager')) missing.push('prometheus-alertmanager');
  if (missing.length === 0) return;
  const sudo = process.getuid && process.getuid() !== 0 ? 'sudo ' : '';
  console.error(`hallwatch: installing Debian packages for the tests: ${missing.join(', ')}…`);
  run(`${sudo}apt-get update -qq`);
  run(`${sudo}apt-get install -y -qq --no-install-recommends ${missing.join(' ')} fonts-dejavu-core`);
}

/** What `npm run demo:ha` runs besides Node: nats-server and HAProxy. */
export function ensurePairPackages() {
  const missing = [];
  if (!existsSync('/usr/sbin/nats-server') && !has('nats-server')) missing.push('nats-server');
  if (!existsSync('/usr/sbin/haproxy') && !has('haproxy')) missing.push('haproxy');
  if (missing.length === 0) return;
  const sudo = process.getuid && process.getuid() !== 0 ? 'sudo ' : '';
  console.error(`hallwatch: installing Debian packages for the pair: ${missing.join(', ')}…`);
  run(`${sudo}apt-get update -qq`);
  run(`${sudo}apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureNodeModules();
  if (process.argv.includes('--test')) ensureTestPackages();
  if (process.argv.includes('--ha')) ensurePairPackages();
}
