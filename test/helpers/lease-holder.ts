/**
 * A lease contender in its own process, so a test can freeze it (SIGSTOP) and thaw it: prints
 * `ROLE leading|standby <epoch> <wallMs>` on each change and, every 50 ms while it leads,
 * `LEAD <epoch> <wallMs>` — the line a frozen holder must never print once its lease ran out.
 * Usage: lease-holder.ts <nats URLs> <server name>
 */
import { ClusterLink } from '../../server/cluster/cluster-link.ts';
import { LeaderLease } from '../../server/cluster/leader-lease.ts';
import { LEASE_TIMING } from '../../server/cluster/lease-decision.ts';
import { createLogger } from '../../server/logger.ts';

const [urls, serverName] = process.argv.slice(2);
const log = createLogger('info', serverName);
const link = new ClusterLink({ urls, serverName, replicas: 3, requestTimeoutMs: 10_000 }, { log });
await link.start();
const lease = new LeaderLease(
  { serverName, replicas: 3, timing: LEASE_TIMING, writeTimeoutMs: 5_000 },
  { cluster: link, log, onRole: (leading, epoch) => process.stdout.write(`ROLE ${leading ? 'leading' : 'standby'} ${epoch} ${Date.now()}\n`) },
);
await lease.start();
const timer = setInterval(() => {
  if (lease.isLeader()) process.stdout.write(`LEAD ${lease.epoch} ${Date.now()}\n`);
}, 50);
process.stdout.write('LEASE_HOLDER_READY\n');
process.on('SIGTERM', () => {
  clearInterval(timer);
  void lease.stop().then(() => link.stop()).then(() => process.exit(0));
});
