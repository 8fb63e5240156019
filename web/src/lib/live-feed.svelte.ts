/**
 * The dashboard's WebSocket client. Columns from the server land in preallocated Float64Arrays
 * (one per wire column); each frame bumps `version` so canvases redraw once on their next
 * animation frame. Reconnects by itself with jittered, bounded backoff (backoff.ts) — also when
 * an open socket brings nothing for STALL_RECONNECT_MS — and every (re)connect resyncs from the
 * server's fresh snapshot, whichever server of a pair answers.
 */
import {
  CDU_COL, CDU_COLUMNS, CLOSE_AUTH_ENDED, RACK_COL, RACK_COLUMNS,
  type ColumnView, type CduColumn, type RackColumn, type RackDetailMessage, type ServerMessage, type Totals,
} from '../../../protocol/stream.ts';
import { decodeDeltaFrame, type BinaryDelta } from '../../../protocol/stream-binary.ts';
import { checkHello } from '../../../protocol/stream-hello.ts';
import { RackHistory } from './rack-history.ts';
import { reloadAllowed } from './reload-guard.ts';
import { reconnectDelayMs } from './backoff.ts';

export type ConnectionStatus = 'connecting' | 'live' | 'stalled' | 'reconnecting';

/** A server this page cannot read is asked again this often (a restart may bring the matching version), ms. */
const MISMATCH_RETRY_MS = 30_000;

/**
 * A socket without a frame for this long (since it was opened, or since its last frame) is given
 * up and replaced, ms: frames come every tick even from a silent site, so the connection behind
 * it is dead (a frozen server, a dropped NAT entry) even if the browser has not noticed.
 */
const STALL_RECONNECT_MS = 5000;

export class LiveFeed {
  status = $state<ConnectionStatus>('connecting');
  /** Bumped on every applied frame. */
  version = $state(0);
  hallTotals = $state.raw<Record<string, Totals>>({});
  siteTotals = $state.raw<Totals | null>(null);
  detail = $state.raw<RackDetailMessage | null>(null);
  /** Browser receive time of the last frame, ms. */
  lastFrameMs = $state(0);
  /** Why the server ended the stream (revoked or expired credentials); null otherwise. */
  authError = $state<string | null>(null);
  /** Why this page cannot read the server's stream (protocol version or columns, expected against got); null when it can. */
  mismatch = $state<string | null>(null);
  /** The server the stream comes from, as its hello names it; null before the first hello or from a server that does not say. */
  serverName = $state<string | null>(null);
  /** Server clock − browser clock, ms. */
  clockOffsetMs = 0;
  staleAfterMs = 3000;
  tickMs = 250;

  readonly rackCols: Float64Array[];
  readonly cduCols: Float64Array[];
  readonly history: RackHistory;
  private ws: WebSocket | null = null;
  /** Tries since the stream was last live (0: the next is the first after a loss). */
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** Browser time the current socket was created, ms. */
  private socketSinceMs = 0;
  private watchId: string | null = null;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private stopped = false;

  constructor(private readonly url: string, rackCount: number, cduCount: number) {
    this.rackCols = RACK_COLUMNS.map(() => new Float64Array(rackCount).fill(Number.NaN));
    this.cduCols = CDU_COLUMNS.map(() => new Float64Array(cduCount).fill(Number.NaN));
    this.history = new RackHistory(rackCount);
  }

  /** Frames are arriving: what is drawn is current. */
  get isLive(): boolean {
    return this.status === 'live';
  }

  rack(col: RackColumn, i: number): number {
    return this.rackCols[RACK_COL[col]][i];
  }

  rackColumn(col: RackColumn): Float64Array {
    return this.rackCols[RACK_COL[col]];
  }

  cdu(col: CduColumn, j: number): number {
    return this.cduCols[CDU_COL[col]][j];
  }

  /** Server-clock now, for data ages. */
  nowMs(): number {
    return Date.now() + this.clockOffsetMs;
  }

  start(): void {
    this.stopped = false;
    this.connect();
    // No frame for 3 ticks (and at least 2 s): the stream has stalled even if the socket looks open.
    this.watchdog = setInterval(() => {
      const now = Date.now();
      if (this.status === 'live' && now - this.lastFrameMs > Math.max(2000, 3 * this.tickMs)) this.status = 'stalled';
      const silentMs = now - Math.max(this.lastFrameMs, this.socketSinceMs);
      if (this.ws && !this.mismatch && silentMs > STALL_RECONNECT_MS) this.drop(this.ws);
    }, 500);
  }

  stop(): void {
    this.stopped = true;
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.ws?.close();
    this.ws = null;
  }

  /** Follow one rack's detail (GPU powers); null stops. */
  watch(rackId: string | null): void {
    this.watchId = rackId;
    this.detail = null;
    this.sendWatch();
  }

  private sendWatch(): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'watch', rackId: this.watchId }));
  }

  private connect(): void {
    // Deltas as binary frames: no number → text → number for ~8,800 rows a second at 1 GW.
    const ws = new WebSocket(this.url + (this.url.includes('?') ? '&' : '?') + 'encoding=binary');
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.socketSinceMs = Date.now();
    ws.onopen = () => this.sendWatch();
    ws.onmessage = (ev) => {
      let msg: ServerMessage | BinaryDelta;
      try {
        msg = typeof ev.data === 'string' ? (JSON.parse(ev.data) as ServerMessage) : decodeDeltaFrame(ev.data as ArrayBuffer);
      } catch (e) {
        // A frame this page cannot read: start again from a snapshot rather than show half a delta.
        console.warn(`live feed: ${(e as Error).message}`);
        ws.send(JSON.stringify({ type: 'resync' }));
        return;
      }
      this.onFrame(msg);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      this.status = 'reconnecting';
      if (this.mismatch) return this.retryIn(MISMATCH_RETRY_MS);
      if (ev.code === CLOSE_AUTH_ENDED) {
        // Credentials ended: say why, and only try again now and then.
        this.authError = ev.reason || 'access ended';
        return this.retryIn(60_000);
      }
      this.retryIn(reconnectDelayMs(this.attempt++));
    };
  }

  private retryIn(ms: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.connect();
    }, ms);
  }

  /** Gives up a socket that brings nothing (its close may never come) and tries again. */
  private drop(ws: WebSocket): void {
    ws.onclose = ws.onmessage = ws.onopen = null;
    ws.close();
    this.ws = null;
    this.status = 'reconnecting';
    this.retryIn(reconnectDelayMs(this.attempt++));
  }

  private onFrame(msg: ServerMessage | BinaryDelta): void {
    const now = Date.now();
    this.clockOffsetMs = msg.serverTimeMs - now;
    this.lastFrameMs = now;
    switch (msg.type) {
      case 'hello': {
        this.authError = null;
        this.serverName = typeof msg.serverName === 'string' ? msg.serverName : null;
        this.tickMs = msg.tickMs;
        this.staleAfterMs = msg.staleAfterMs;
        const verdict = checkHello(msg);
        if (verdict.ok) this.mismatch = null;
        else this.refuse(verdict.message, verdict.serverNewer);
        return;
      }
      case 'snapshot':
      case 'delta':
        if (this.mismatch) return;
        if (msg.racks.cols.length !== RACK_COLUMNS.length || msg.cdus.cols.length !== CDU_COLUMNS.length) {
          const got = `${msg.racks.cols.length} and ${msg.cdus.cols.length}`;
          this.refuse(`frame columns: expected ${RACK_COLUMNS.length} rack and ${CDU_COLUMNS.length} CDU, got ${got}`, false);
          return;
        }
        applyBlock(this.rackCols, msg.racks);
        applyBlock(this.cduCols, msg.cdus);
        this.history.record(this.rackCols, msg.racks.idx);
        this.hallTotals = msg.halls;
        this.siteTotals = msg.site;
        this.status = 'live';
        // Live again: the next loss starts from the shortest delay.
        this.attempt = 0;
        this.version++;
        return;
      case 'rack':
        if (msg.rackId === this.watchId) this.detail = msg;
        return;
    }
  }

  /**
   * Stops applying frames from a server this page cannot read and says why; when the server was
   * upgraded, reloads to fetch its dashboard (at most once a minute, so a reload that does not
   * help does not loop).
   */
  private refuse(message: string, serverNewer: boolean): void {
    this.mismatch = message;
    this.status = 'reconnecting';
    console.warn(`live feed: ${message}`);
    this.ws?.close();
    if (serverNewer && reloadAllowed(sessionStorage, Date.now())) location.reload();
  }
}

/** Writes the rows of a block whose columns are those of `cols` (checked by the caller). */
function applyBlock(cols: Float64Array[], block: ColumnView): void {
  const { idx } = block;
  for (let c = 0; c < cols.length; c++) {
    const src = block.cols[c];
    const dst = cols[c];
    for (let k = 0; k < idx.length; k++) dst[idx[k]] = src[k] ?? Number.NaN;
  }
}
