/**
 * A hall shard's side of the campus: publishes on the NATS cluster what it derives — a beat every
 * second, its racks' and CDUs' changed rows on each state tick (plus every row again within
 * `resyncMs`, so a campus view that starts late or lost a message is whole again), its alerts —
 * and answers the campus view's acknowledgements, silences and history requests. Raw telemetry
 * never leaves the shard. The constructor does no I/O.
 */
import type { MsgHdrs, NatsConnection, Subscription } from 'nats';
import { jsonMessage } from './json-message.ts';
import type { Totals } from '../../protocol/stream.ts';
import { encodeDeltaFrame } from '../../protocol/stream-binary.ts';
import { shardRequestSubject, shardSubject } from '../../protocol/campus-subjects.ts';
import type { ShardBeat } from '../../protocol/campus.ts';
import type { LiveState } from '../state/live-state.ts';
import type { AlertDesk } from '../alerts/alert-desk.ts';
import type { Logger } from '../logger.ts';
import type { RouteAnswer } from '../http/history-routes.ts';
import { DirtySet } from '../state/dirty-set.ts';
import { shardReply } from './shard-requests.ts';

export interface ShardPublisherConfig {
  siteKey: string;
  shard: string;
  /** Rows in one live message at most (a NATS message is at most 1 MB: 2,000 racks are ~330 kB). */
  maxRowsPerMessage: number;
  /** Every row is sent again within this, ms. */
  resyncMs: number;
  beatMs: number;
  alertsEveryMs: number;
}

export interface ShardPublisherDeps {
  connection: () => NatsConnection;
  state: LiveState;
  alerts: AlertDesk;
  history: (path: string, params: URLSearchParams) => Promise<RouteAnswer | null>;
  /** The beat but its send time. */
  beat: () => Omit<ShardBeat, 'sentMs'>;
  /** Whether this server publishes: the leader of a shard's pair (always, for a single shard). Both answer requests. */
  leads: () => boolean;
  log: Logger;
  clock: () => number;
}

export class ShardPublisher {
  private readonly rackDirty: DirtySet;
  private readonly cduDirty: DirtySet;
  private rackCursor = 0;
  private cduCursor = 0;
  private lastResyncMs = Number.NaN;
  private led = false;
  private timers: NodeJS.Timeout[] = [];
  private subs: Subscription[] = [];
  /** Live messages published, and those the connection refused. */
  published = 0;
  failures = 0;

  constructor(private readonly cfg: ShardPublisherConfig, private readonly d: ShardPublisherDeps) {
    this.rackDirty = new DirtySet(d.state.site.racks.length);
    this.cduDirty = new DirtySet(d.state.site.cdus.length);
  }

  async start(): Promise<void> {
    this.d.state.dirtyTaken = (dirty) => {
      for (const i of dirty.racks) this.rackDirty.mark(i);
      for (const j of dirty.cdus) this.cduDirty.mark(j);
    };
    const nc = this.d.connection();
    const detail = (rackId: string) => {
      const i = this.d.state.site.rackIndexById.get(rackId);
      return i === undefined ? null : this.d.state.rackDetail[i];
    };
    for (const req of ['ack', 'silence', 'history', 'detail'] as const) {
      const sub = nc.subscribe(shardRequestSubject(this.cfg.siteKey, this.cfg.shard, req), {
        callback: (err, msg) => {
          if (err) return;
          void shardReply(req, msg.data, { alerts: this.d.alerts, history: this.d.history, detail }).then((answer) => {
            const m = jsonMessage(answer);
            if (!msg.respond(m.data, { headers: m.headers })) this.d.log.warn(`campus: ${req} answer not sent (${m.data.byteLength} bytes)`);
            if (req === 'ack' || req === 'silence') this.publishAlerts();
          }).catch((e: Error) => this.d.log.warn(`campus: ${req} request: ${e.message}`));
        },
      });
      this.subs.push(sub);
    }
    this.timers.push(setInterval(() => this.publishBeat(), this.cfg.beatMs));
    this.timers.push(setInterval(() => this.publishAlerts(), this.cfg.alertsEveryMs));
    this.publishBeat();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
    this.d.state.dirtyTaken = null;
  }

  /** On each state tick: the rows changed since the last one, and this tick's share of every row. */
  onTick(): void {
    const leads = this.d.leads();
    // Taking over (or starting): the beat first, so the campus view knows whose rows follow.
    if (leads && !this.led) this.publishBeat();
    this.led = leads;
    if (!leads) {
      // The standby keeps no backlog: on taking over, its resync sends every row within resyncMs.
      this.rackDirty.take();
      this.cduDirty.take();
      return;
    }
    const nowMs = this.d.clock();
    const share = Number.isNaN(this.lastResyncMs) ? 0 : Math.min(1, (nowMs - this.lastResyncMs) / this.cfg.resyncMs);
    this.lastResyncMs = nowMs;
    const { racks, cdus } = this.d.state.site;
    this.rackCursor = this.resync(this.rackDirty, racks.length, this.rackCursor, share);
    this.cduCursor = this.resync(this.cduDirty, cdus.length, this.cduCursor, share);
    const rackIdx = this.rackDirty.take();
    const cduIdx = this.cduDirty.take();
    const totals = this.totals();
    const max = this.cfg.maxRowsPerMessage;
    for (let r = 0, c = 0; r < rackIdx.length || c < cduIdx.length || r + c === 0;) {
      const rackPart = rackIdx.slice(r, r + max);
      const cduPart = cduIdx.slice(c, c + Math.max(0, max - rackPart.length));
      r += rackPart.length;
      c += cduPart.length;
      this.publish(shardSubject(this.cfg.siteKey, this.cfg.shard, 'live'),
        encodeDeltaFrame(nowMs, this.d.state.rackCols, rackPart, this.d.state.cduCols, cduPart, totals));
      if (rackPart.length + cduPart.length === 0) break;
    }
  }

  private resync(dirty: DirtySet, n: number, cursor: number, share: number): number {
    const count = Math.min(n, Math.ceil(n * share));
    for (let k = 0; k < count; k++) dirty.mark((cursor + k) % n);
    return n === 0 ? 0 : (cursor + count) % n;
  }

  private totals(): { halls: Record<string, Totals>; site: Totals } {
    const s = this.d.state;
    return { halls: Object.fromEntries(s.site.view.halls.map((h) => [h.id, s.hallTotals[h.index]])), site: s.siteTotals };
  }

  private publishBeat(): void {
    if (!this.d.leads()) return;
    const beat: ShardBeat = { ...this.d.beat(), sentMs: this.d.clock() };
    const m = jsonMessage(beat);
    this.publish(shardSubject(this.cfg.siteKey, this.cfg.shard, 'beat'), m.data);
  }

  /** Open incidents, alerts, silences and the resolved history: gzipped when large (a storm). */
  private publishAlerts(): void {
    if (!this.d.leads()) return;
    const m = jsonMessage(this.d.alerts.snapshot(true));
    this.publish(shardSubject(this.cfg.siteKey, this.cfg.shard, 'alerts'), m.data, m.headers);
  }

  private publish(subject: string, data: Uint8Array, headers?: MsgHdrs): void {
    try {
      this.d.connection().publish(subject, data, headers ? { headers } : undefined);
      this.published++;
    } catch (e) {
      // Disconnected past the client's buffer, or larger than the cluster's max_payload: the next tick and resync carry it.
      if (this.failures++ % 100 === 0) this.d.log.warn(`campus: cannot publish ${subject} (${data.byteLength} bytes): ${(e as Error).message}`);
    }
  }
}

