/**
 * The campus options checked together: `--halls` (a hall shard) and `--campus` (the campus
 * view). Pure; `server/config.ts` reads the values and calls it. Whether the halls are in the
 * site file is checked once it is loaded (`server/site/sub-site.ts`).
 */
import { isValidId } from '../../protocol/topics.ts';

export interface RawCampusOptions {
  halls?: string;
  campus: boolean;
  fleet: boolean;
  cluster: boolean;
  embeddedBroker: boolean;
  dsx: boolean;
}

export interface CampusSettings {
  /** The shard's halls, in the order given; undefined = every hall (not a shard). */
  halls?: string[];
  campus: number;
  fleet: number;
}

/** Checks the campus options; throws naming the option and what is wrong. */
export function campusSettings(raw: RawCampusOptions): CampusSettings {
  if (raw.fleet) {
    if (raw.campus || raw.halls !== undefined) throw new Error('--fleet: the fleet view on a hub is neither a campus view nor a hall shard (no --campus, no --halls)');
    if (!raw.cluster) throw new Error('--fleet: needs --cluster (the hub\'s NATS, where the sites\' leaf connections arrive)');
    if (raw.embeddedBroker || raw.dsx) throw new Error('--fleet: takes no telemetry, so no --embedded-broker-port or --dsx-root');
    return { campus: 0, fleet: 1 };
  }
  if (raw.campus && raw.halls !== undefined) throw new Error('--campus and --halls: a server is either the campus view or a hall shard, not both');
  if (raw.campus) {
    if (!raw.cluster) throw new Error('--campus: needs --cluster (the NATS cluster the hall shards publish on)');
    if (raw.embeddedBroker) throw new Error('--campus: takes no telemetry, so no --embedded-broker-port (start the broker with the shards)');
    if (raw.dsx) throw new Error('--campus: takes no telemetry, so no --dsx-root (give it to the shards)');
    return { campus: 1, fleet: 0 };
  }
  if (raw.halls === undefined) return { campus: 0, fleet: 0 };
  const halls = raw.halls.split(',').map((h) => h.trim()).filter(Boolean);
  if (halls.length === 0) throw new Error(`--halls: no hall ID in "${raw.halls}" (hall IDs of the site file, comma-separated: h1,h2)`);
  const bad = halls.find((h) => !isValidId(h));
  if (bad !== undefined) throw new Error(`--halls: "${bad}" is not a hall ID (letters, digits, . _ -)`);
  const twice = halls.find((h, k) => halls.indexOf(h) !== k);
  if (twice !== undefined) throw new Error(`--halls: hall "${twice}" given twice`);
  if (!raw.cluster) throw new Error('--halls: needs --cluster (the NATS cluster the campus view reads the shard from)');
  if (raw.dsx) throw new Error('--halls: a DSX feed (--dsx-root) carries every hall; run it on a whole-site server');
  return { halls, campus: 0, fleet: 0 };
}
