/**
 * Names a redundant pair uses on the NATS cluster: its lease, its membership, its notification
 * stream and the keys of its acknowledgements and silences. A whole-site pair uses the plain
 * names; each hall shard's pair its own (`hallwatch-lease-h1_h2`), so that shards sharing one
 * cluster each lead, notify and keep their operators' marks apart. Pure.
 */
export interface PairNames {
  leaseBucket: string;
  membersBucket: string;
  notifyStream: string;
  /** Subjects of the notification stream: this, then the channel. */
  notifySubjectPrefix: string;
  notifyConsumer: string;
  /** Prefix of the acknowledgement, paging and silence keys in `hallwatch-state` ('' for the whole site). */
  stateKeyPrefix: string;
}

/** A bucket, stream and key token from a shard ID: letters, digits, '_' and '-' only. */
function token(scope: string): string {
  return scope.replace(/[^A-Za-z0-9_-]/g, '-');
}

/** The names of the whole site's pair (`scope` null) or of a hall shard's. */
export function pairNames(scope: string | null): PairNames {
  if (scope === null) {
    return {
      leaseBucket: 'hallwatch-lease', membersBucket: 'hallwatch-members', notifyStream: 'HALLWATCH_NOTIFY',
      notifySubjectPrefix: 'hallwatch.notify.', notifyConsumer: 'hallwatch-notify', stateKeyPrefix: '',
    };
  }
  const t = token(scope);
  return {
    leaseBucket: `hallwatch-lease-${t}`, membersBucket: `hallwatch-members-${t}`, notifyStream: `HALLWATCH_NOTIFY_${t}`,
    notifySubjectPrefix: `hallwatch.notify.${t}.`, notifyConsumer: `hallwatch-notify-${t}`, stateKeyPrefix: `shard.${t}.`,
  };
}
