/**
 * Opens (creating when missing) a key-value bucket of the lease or membership, retrying with the
 * reason logged: two servers starting together both create the bucket, and on a cluster that just
 * started one of those requests can time out.
 */
import type { KV, KvOptions } from 'nats';
import type { Logger } from '../logger.ts';
import type { LeaseCluster } from './leader-lease.ts';

export async function openBucket(cluster: LeaseCluster, name: string, opts: Partial<KvOptions>, log: Logger, stopped: () => boolean): Promise<KV> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await cluster.js.views.kv(name, opts);
    } catch (e) {
      if (stopped()) throw new Error(`bucket ${name} not opened: stopping`);
      const waitMs = Math.min(5000, 500 * attempt);
      log.warn(`cluster: cannot open bucket ${name} (${(e as Error).message}); retrying in ${waitMs} ms`);
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}
