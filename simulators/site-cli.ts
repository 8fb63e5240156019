/** `npm run site -- --halls H --rows R --racks-per-row N --racks-per-cdu C --out FILE` */
import { writeFileSync } from 'node:fs';
import { generateSite } from './generate-site.ts';

const USAGE = 'Usage: npm run site -- --halls H --rows R --racks-per-row N --racks-per-cdu C --out FILE [--coolant water|pg25] [--setpoint C] [--name NAME]';

function main(argv: string[]): void {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--help') {
      console.log(USAGE);
      return;
    }
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`bad argument "${argv[i]}"\n${USAGE}`);
    args.set(argv[i].slice(2), argv[i + 1]);
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

try {
  main(process.argv.slice(2));
} catch (e) {
  console.error(`site: ${(e as Error).message}`);
  process.exit(2);
}
