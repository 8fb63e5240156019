import { startServer } from './helpers/programs.ts';
import { connectClient, metric, rackSample } from '../bench/chaos/kit.ts';
import { sleep } from './helpers/wait.ts';
const server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0']);
const healthy = await connectClient(server.mqttUrl, 'healthy-publisher');
const racks = Array.from({ length: 20 }, (_, k) => `h2-r01-k${String(k + 1).padStart(2, '0')}`);
let published = 0;
const a0 = await metric(server.baseUrl, 'hallwatch_messages_accepted_total', 'kind="rack"');
for (let r = 0; r < 15; r++) {
  const ts = Date.now();
  await Promise.all(racks.map((id) => healthy.publishAsync(`hallwatch/v1/hall-2/rack/${id}/telemetry`, JSON.stringify(rackSample(ts)), { qos: 1 })));
  published += 20;
  await sleep(200);
}
await sleep(500);
const a1 = await metric(server.baseUrl, 'hallwatch_messages_accepted_total', 'kind="rack"');
console.log(a1 - a0, published, await (await fetch(server.baseUrl + '/metrics')).text().then(t => t.split('\n').filter(l => l.startsWith('hallwatch_messages_rejected_total') && !l.endsWith(' 0')).join('\n')));
await healthy.endAsync(); await server.stop();
