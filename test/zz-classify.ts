import { classifyMessage } from '../server/ingest/validate.ts';
import { buildSiteIndex } from '../server/site/site-index.ts';
import { generateSite } from '../simulators/generate-site.ts';
import { isUtf8 } from 'node:buffer';
const site = buildSiteIndex(generateSite({ halls: 1, rows: 1, racksPerRow: 2, racksPerCdu: 2 }));
const limits = { topicRoot: 'hallwatch/v1', maxPayloadBytes: 32_768, maxClockSkewMs: 60_000 };
const gpuW = Array.from({ length: 72 }, (_, g) => 1100 + g + 0.3);
const now = Date.now();
const payload = Buffer.from(JSON.stringify({ ts: now, seq: 12345, rackKw: 120.3, supplyC: 40, returnC: 49.3, flowLpm: 182, gpuW, dpKpa: 80, valvePct: 70 }));
console.log('bytes', payload.length);
const topic = 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry';
const N = 200_000;
for (const [name, f] of [
  ['classify', () => classifyMessage(site, limits, topic, payload, now)],
  ['isUtf8', () => isUtf8(payload)],
  ['toString', () => payload.toString('utf8')],
  ['parse', () => JSON.parse(payload.toString('utf8'))],
] as const) {
  for (let i = 0; i < 20000; i++) f();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) f();
  console.log(name, ((performance.now() - t0) * 1000 / N).toFixed(2), 'µs');
}
