/**
 * `npm run chaos`: every fault and abuse scenario against real processes, one table at the end
 * (docs/reliability.md). `--only name,…` runs some; `--short` runs the `npm test` sizes.
 */
import { cpus, totalmem } from 'node:os';
import { markdownTable, type ChaosRow } from './chaos/scenario.ts';
import { SCENARIOS } from './chaos/scenarios.ts';
import { useTempRoot } from '../test/helpers/temp-root.ts';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
const scale = args.includes('--short') ? 'short' : 'full';
const rows: ChaosRow[] = [];
const t0 = Date.now();
// Storage directories, sites and service data of every scenario, removed at the end.
const removeTemp = useTempRoot('chaos');
for (const s of SCENARIOS) {
  if (only && !only.some((o) => s.name.includes(o))) continue;
  const started = Date.now();
  console.log(`— ${s.name} (${scale})`);
  try {
    rows.push(...(await s.run(scale, (line) => console.log(`  ${s.name}: ${line}`))));
  } catch (e) {
    rows.push({ scenario: s.name, injected: '—', mustHold: 'scenario completes', figure: `crashed: ${(e as Error).message.split('\n')[0]}`, pass: false });
  }
  console.log(`  ${s.name}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
const machine = `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
console.log(`\nHallwatch chaos — ${new Date().toISOString().slice(0, 10)}, ${machine}, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
console.log(markdownTable(rows));
removeTemp();
const failed = rows.filter((r) => !r.pass).length;
console.log(`\n${rows.length - failed} of ${rows.length} checks hold${failed ? `; ${failed} FAIL` : ''}`);
process.exit(failed ? 1 : 0);
