/**
 * The database and one retention policy per tier (raw, m1, h1; raw the default), created or
 * brought to the configured durations before the first write.
 */
import { HttpError } from '@influxdata/influxdb-client';
import type { Logger } from '../logger.ts';
import type { InfluxClient } from './influx-client.ts';
import { TIERS, type Tier } from './schema.ts';

/**
 * Creates the database (1.x) and the tiers' retention policies (`retention`: InfluxQL durations
 * such as 7d, 90d, 104w). InfluxDB 2.x/3.x refuse these statements on the v1 API (buckets and
 * DBRP mappings are set up there): that refusal is logged and resolves, so writes go ahead; a
 * connection failure rejects, to be retried.
 */
export async function ensureSchema(client: InfluxClient, retention: Record<Tier, string>, log: Logger): Promise<void> {
  try {
    await createSchema(client, retention);
  } catch (e) {
    const refused = (e instanceof HttpError && e.statusCode >= 400 && e.statusCode < 500) || !(e instanceof HttpError || (e as { code?: string }).code);
    if (!refused) throw e;
    const db = client.db;
    log.warn(`storage: could not create database "${db}" and retention policies raw/m1/h1 (${(e as Error).message.slice(0, 200)}); `
      + `writing anyway — on InfluxDB 2.x/3.x map ${db}/raw, ${db}/m1 and ${db}/h1 to buckets`);
  }
}

async function createSchema(client: InfluxClient, retention: Record<Tier, string>): Promise<void> {
  const db = `"${client.db.replace(/"/g, '\\"')}"`;
  await client.statement(`CREATE DATABASE ${db}`);
  for (const tier of TIERS) {
    const clause = `ON ${db} DURATION ${retention[tier]} REPLICATION 1${tier === 'raw' ? ' DEFAULT' : ''}`;
    try {
      await client.statement(`CREATE RETENTION POLICY "${tier}" ${clause}`);
    } catch {
      await client.statement(`ALTER RETENTION POLICY "${tier}" ${clause}`);
    }
  }
}
