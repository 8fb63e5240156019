/**
 * A rack panel on the campus view: the racks its browsers watch get their detail (per-GPU power,
 * CPU, valve) from the shard holding them, once a second while watched. The rest of the campus's
 * live state never carries it: 72 GPU values a rack a second would be most of the traffic.
 */
import type { NatsConnection } from 'nats';
import { readJsonMessage } from './json-message.ts';
import type { ShardAnswer } from '../../protocol/campus.ts';
import { shardRequestSubject } from '../../protocol/campus-subjects.ts';
import type { LiveState } from '../state/live-state.ts';
import type { RackDetail } from '../state/entity-detail.ts';
import type { ShardLinks } from './shard-links.ts';

export interface CampusDetailDeps {
  connection: () => NatsConnection;
  links: ShardLinks;
  state: LiveState;
  siteKey: string;
  /** Racks watched now (WsHub.watchedRacks). */
  watched: () => number[];
  clock: () => number;
  requestTimeoutMs: number;
}

export class CampusDetail {
  private inFlight = false;
  private lastMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly d: CampusDetailDeps) {}

  /** On each state tick: at most once a second, the watched racks' detail from their shards. */
  onTick(): void {
    const nowMs = this.d.clock();
    if (this.inFlight || nowMs - this.lastMs < 1000) return;
    const racks = this.d.watched();
    if (racks.length === 0) return;
    this.lastMs = nowMs;
    this.inFlight = true;
    void Promise.allSettled(racks.map((i) => this.fetch(i))).finally(() => (this.inFlight = false));
  }

  private async fetch(i: number): Promise<void> {
    const rack = this.d.state.site.racks[i];
    const hall = this.d.links.halls(this.d.clock()).find((h) => h.hallId === rack.hallId);
    if (!hall?.shard || hall.status !== 'live') return;
    const body = new TextEncoder().encode(JSON.stringify({ req: 'detail', rackId: rack.id }));
    const m = await this.d.connection().request(shardRequestSubject(this.d.siteKey, hall.shard, 'detail'), body, { timeout: this.d.requestTimeoutMs });
    const a = readJsonMessage(m) as ShardAnswer;
    if (a.status === 200) this.d.state.rackDetail[i] = a.body as RackDetail;
  }
}
