// Publishers + Mosquitto alone: how old messages are when a plain subscriber gets them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { benchSite } from '../bench/bench-site.ts';
import { startMosquitto } from './helpers/mosquitto.ts';
import { startProgram } from './helpers/programs.ts';
const { entities } = benchSite(7400);
const dir = mkdtempSync(join(tmpdir(), 'pubage-'));
writeFileSync(join(dir, 'e.json'), JSON.stringify(entities));
const broker = await startMosquitto();
const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
let ages: number[] = [];
sub.on('message', (_t, p) => { const i = p.indexOf('"ts":'); ages.push(Date.now() - Number(p.subarray(i + 5, i + 18).toString())); });
await sub.subscribeAsync('hallwatch/v1/#', { qos: 0 });
const pub = await startProgram('bench/publish-process.ts', [broker.url, join(dir, 'e.json'), '8', 'gpu'], 'PUBLISHERS_READY');
for (let s = 0; s < 60; s++) {
  await new Promise((r) => setTimeout(r, 1000));
  const a = Float64Array.from(ages).sort(); ages = [];
  console.log(`t=${s + 1}s n=${a.length} p50 ${a[a.length >> 1]} p99 ${a[Math.floor(a.length * 0.99)]} max ${a[a.length - 1]}`);
}
await pub.stop(); await sub.endAsync(); await broker.stop();
