/**
 * The benchmark's publishers in a process of their own, as a site's are on other machines: the
 * measuring WebSocket client then does not share an event loop with them. Args: broker URL,
 * entities JSON file, connections, `gpu` or `no-gpu`. Prints `PUBLISHED rack cdu` every second.
 */
import { readFileSync } from 'node:fs';
import { startPublishers, type BenchEntity } from './bench-site.ts';

const [url, entitiesPath, connections, gpu] = process.argv.slice(2);
const entities = JSON.parse(readFileSync(entitiesPath, 'utf8')) as BenchEntity[];
const pubs = await startPublishers(url, entities, Number(connections), gpu === 'no-gpu');
process.stdout.write('PUBLISHERS_READY\n');
const timer = setInterval(() => {
  const c = pubs.take();
  process.stdout.write(`PUBLISHED ${c.rack} ${c.cdu}\n`);
}, 1000);
process.on('SIGTERM', () => {
  clearInterval(timer);
  void pubs.stop().then(() => process.exit(0));
});
