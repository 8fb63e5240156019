/**
 * `npm run replay -- FILE.csv --mqtt URL[,URL…] [--speed X] [--loop]`: publishes a DSX Exchange
 * recording (the exemplar's CSV format) to a broker — or the first of a list that answers, the
 * nodes of one cluster — in real time (or X times faster), each payload's `{{timestamp_ms}}`
 * replaced by the publish time; metadata retained, as a BMS does.
 * Prints HALLWATCH_REPLAY_READY when connected and a line per pass.
 */
import { readFileSync } from 'node:fs';
import { connectMqttAsync } from './mqtt-client.ts';
import { parseRecording, stamp } from './dsx-recording.ts';
import { parseBusUrls } from '../protocol/bus-connection.ts';

const USAGE = 'Usage: npm run replay -- FILE.csv --mqtt mqtt://HOST:PORT[,mqtt://HOST:PORT…] [--speed X] [--loop]';

function parseArgs(argv: string[]) {
  const file = argv.find((a, i) => !a.startsWith('--') && (i === 0 || !['--mqtt', '--speed'].includes(argv[i - 1])));
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const url = get('mqtt');
  const speed = Number(get('speed') ?? 1);
  if (!file) throw new Error(`a recording file is required\n${USAGE}`);
  if (!url) throw new Error(`--mqtt is required\n${USAGE}`);
  const brokers = parseBusUrls(url);
  if (!brokers.ok) throw new Error(`--mqtt: ${brokers.message}`);
  if (!Number.isFinite(speed) || speed <= 0 || speed > 1000) throw new Error('--speed: must be within (0, 1000]');
  return { file, url, speed, loop: argv.includes('--loop') };
}

async function main(): Promise<void> {
  const { file, url, speed, loop } = parseArgs(process.argv.slice(2));
  const messages = parseRecording(readFileSync(file, 'utf8'));
  if (messages.length === 0) throw new Error(`${file}: no messages`);
  const client = await connectMqttAsync({ urls: url, clientId: `hallwatch-replay-${process.pid}` });
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await client.endAsync();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.write(`HALLWATCH_REPLAY_READY messages=${messages.length}\n`);
  const spanMs = messages[messages.length - 1].offsetMs;
  for (let pass = 1; !stopping; pass++) {
    const startMs = Date.now();
    for (const m of messages) {
      const due = startMs + m.offsetMs / speed;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (stopping) return;
      const retain = m.topic.includes('/Metadata/');
      await client.publishAsync(m.topic, stamp(m.payload, Date.now()), { qos: 0, retain });
    }
    console.log(`replay: pass ${pass} done, ${messages.length} messages over ${(spanMs / speed / 1000).toFixed(1)} s`);
    if (!loop) break;
  }
  await client.endAsync();
}

main().catch((e) => {
  console.error(`replay: ${(e as Error).message}`);
  process.exit(2);
});
