/**
 * `npm run site -- --halls H --rows R --racks-per-row N --racks-per-cdu C --out FILE`, or
 * `npm run site -- --from-dsx FILE.csv|mqtt://HOST:PORT --out FILE`: a site file from a DSX
 * Exchange recording or live bus (its retained metadata, listened to for `--listen-s` seconds).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { connectMqttAsync } from './mqtt-client.ts';
import { generateSite } from './generate-site.ts';
import { discoverSite, type DiscoveredPoint } from './dsx-discover.ts';
import { parseRecording, stamp } from './dsx-recording.ts';
import { DSX_DEFAULT_ROOT, parseDsxMetadata, parseDsxTopic, parseDsxValue } from '../protocol/dsx.ts';
import { parseSite } from '../protocol/site.ts';
import { parseBusUrls } from '../protocol/bus-connection.ts';
import { siteTopicRefusal } from '../protocol/topic-levels.ts';

const USAGE = 'Usage: npm run site -- --halls H --rows R --racks-per-row N --racks-per-cdu C --out FILE [--coolant water|pg25] [--setpoint C] [--name NAME]\n' +
  '       npm run site -- --from-dsx FILE.csv|mqtt://HOST:PORT[,mqtt://HOST:PORT…] --out FILE [--dsx-root BMS/v1] [--listen-s 15] [--name NAME]';

/** Metadata points (and the latest value of each) from recorded or received messages. */
function collect(messages: Iterable<{ topic: string; payload: string }>, root: string): DiscoveredPoint[] {
  const points = new Map<string, DiscoveredPoint>();
  const values = new Map<string, number | null>();
  for (const m of messages) {
    const t = parseDsxTopic(root, m.topic);
    if (!t) continue;
    let json: unknown;
    try {
      json = JSON.parse(stamp(m.payload, Date.now()));
    } catch {
      continue;
    }
    if (t.kind === 'Metadata') {
      const meta = parseDsxMetadata(json);
      if (meta.ok) points.set(t.pointKey, { tagPath: t.tagPath, meta: meta.value });
    } else {
      const v = parseDsxValue(json);
      if (v.ok && v.value.quality === 1) values.set(t.pointKey, v.value.value);
    }
  }
  for (const [key, p] of points) if (values.has(key)) p.value = values.get(key);
  return [...points.values()];
}

async function listen(url: string, root: string, seconds: number): Promise<{ topic: string; payload: string }[]> {
  const got: { topic: string; payload: string }[] = [];
  // A list is tried broker by broker; it fails once every broker has refused.
  const client = await connectMqttAsync({ urls: url, clientId: `hallwatch-site-${process.pid}` });
  client.on('message', (topic, payload) => got.push({ topic, payload: payload.toString('utf8') }));
  await client.subscribeAsync([`${root}/+/Metadata/#`, `${root}/+/Value/#`]);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await client.endAsync();
  return got;
}

async function fromDsx(source: string, out: string, args: Map<string, string>): Promise<void> {
  const root = args.get('dsx-root') ?? DSX_DEFAULT_ROOT;
  const seconds = Number(args.get('listen-s') ?? 15);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) throw new Error('--listen-s: must be within (0, 3600]');
  const live = /^mqtts?:\/\//.test(source);
  const brokers = live ? parseBusUrls(source) : null;
  if (brokers && !brokers.ok) throw new Error(`--from-dsx: ${brokers.message}`);
  const messages = live ? await listen(source, root, seconds) : parseRecording(readFileSync(source, 'utf8'));
  const points = collect(messages, root);
  if (points.length === 0) throw new Error(`${source}: no DSX metadata under ${root}/…/Metadata/ ${live ? `in ${seconds} s` : 'in the recording'}`);
  const d = discoverSite(points, args.get('name') ?? 'DSX site');
  const checked = parseSite(JSON.parse(JSON.stringify(d.site)));
  if (!checked.ok) throw new Error(`the discovered site does not validate: ${checked.message}`);
  // Written as it is: the DSX ingest matches location IDs exactly, and the server takes them with --dsx-root.
  const refusal = siteTopicRefusal(checked.value);
  if (refusal) d.todo.push(`${refusal}: the server takes this site only with --dsx-root, and the simulator not at all`);
  writeFileSync(out, JSON.stringify(d.site, null, 1) + '\n');
  console.log(`wrote ${out}: ${d.racks} racks and ${d.cdus} CDUs from ${points.length} DSX points (${source})`);
  console.log('left for a person to fill in or check:');
  for (const t of d.todo) console.log(`  - ${t}`);
}

async function main(argv: string[]): Promise<void> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--help') {
      console.log(USAGE);
      return;
    }
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`bad argument "${argv[i]}"\n${USAGE}`);
    args.set(argv[i].slice(2), argv[i + 1]);
  }
  if (args.has('from-dsx')) {
    const out = args.get('out');
    if (!out) throw new Error(`--out is required\n${USAGE}`);
    return fromDsx(args.get('from-dsx')!, out, args);
  }
  const int = (name: string, dflt: number, max: number) => {
    const v = Number(args.get(name) ?? dflt);
    if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`--${name}: must be an integer in [1, ${max}], got "${args.get(name)}"`);
    return v;
  };
  const coolant = args.get('coolant') ?? 'water';
  if (coolant !== 'water' && coolant !== 'pg25') throw new Error(`--coolant: must be water or pg25, got "${coolant}"`);
  const setpoint = Number(args.get('setpoint') ?? 40);
  if (!Number.isFinite(setpoint) || setpoint < 5 || setpoint > 45) throw new Error(`--setpoint: must be within [5, 45] °C`);
  const out = args.get('out');
  if (!out) throw new Error(`--out is required\n${USAGE}`);
  const site = generateSite({
    halls: int('halls', 2, 100),
    rows: int('rows', 13, 200),
    racksPerRow: int('racks-per-row', 16, 200),
    racksPerCdu: int('racks-per-cdu', 8, 200),
    coolant,
    supplySetpointC: setpoint,
    name: args.get('name'),
  });
  writeFileSync(out, JSON.stringify(site, null, 1) + '\n');
  const racks = site.halls.reduce((n, h) => n + h.rows.reduce((m, r) => m + r.racks.length, 0), 0);
  const cdus = site.halls.reduce((n, h) => n + h.cdus.length, 0);
  console.log(`wrote ${out}: ${site.halls.length} halls, ${racks} racks, ${cdus} CDUs`);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`site: ${(e as Error).message}`);
  process.exit(2);
});
