import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WsHub, type HubSocket } from '../../server/stream/ws-hub.ts';
import { LiveState } from '../../server/state/live-state.ts';
import { Metrics } from '../../server/http/metrics.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { createLogger } from '../../server/logger.ts';
import type { ServerMessage } from '../../protocol/stream.ts';
import { decodeDeltaFrame } from '../../protocol/stream-binary.ts';

/** A socket stand-in whose send buffer the test controls. */
class FakeSocket extends EventEmitter {
  readyState = 1;
  bufferedAmount = 0;
  sent: ServerMessage[] = [];
  pinged = 0;
  terminated = false;
  /** Binary frames: decoded deltas; `binaryDeltas` counts them. */
  binaryDeltas = 0;
  send(data: string | Buffer, opts?: { binary?: boolean }) {
    if (opts?.binary) {
      this.binaryDeltas++;
      this.sent.push(decodeDeltaFrame(data as Buffer) as unknown as ServerMessage);
      return;
    }
    this.sent.push(JSON.parse(data.toString()));
  }
  ping() {
    this.pinged++;
  }
  terminate() {
    this.terminated = true;
    this.readyState = 3;
  }
  close() {
    this.readyState = 3;
  }
}

function setup() {
  let now = 1_800_000_000_000;
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 1, racksPerRow: 4, racksPerCdu: 2 }));
  const state = new LiveState(site, 3000);
  const metrics = new Metrics();
  const hub = new WsHub({ cfg: { tickMs: 100, heartbeatMs: 1000, maxBufferedBytes: 10_000 }, state, metrics, log: createLogger('error'), clock: () => now });
  const publish = (i: number) => {
    now += 1000;
    state.applyRack(i, { ts: now, rackKw: 100, supplyC: 40, returnC: 48, flowLpm: 180 }, now);
  };
  return { hub, state, metrics, publish };
}

describe('WsHub', () => {
  it('names its server in hello when given a name, and leaves the field out otherwise', () => {
    const named = new WsHub({
      cfg: { tickMs: 100, heartbeatMs: 1000, maxBufferedBytes: 10_000 }, state: setup().state, metrics: new Metrics(), log: createLogger('error'),
      clock: () => 0, serverName: () => 'hw-1:8080',
    });
    const a = new FakeSocket();
    named.accept(a as unknown as HubSocket);
    expect(a.sent[0].type === 'hello' && a.sent[0].serverName).toBe('hw-1:8080');
    const b = new FakeSocket();
    setup().hub.accept(b as unknown as HubSocket);
    expect(b.sent[0].type === 'hello' && 'serverName' in b.sent[0]).toBe(false);
  });

  it('sends a binary client the same deltas as binary frames, and a JSON client text', () => {
    const { hub, publish } = setup();
    const bin = new FakeSocket();
    const text = new FakeSocket();
    hub.accept(bin as unknown as HubSocket, undefined, 'binary');
    hub.accept(text as unknown as HubSocket);
    expect(bin.sent.map((m) => m.type)).toEqual(['hello', 'snapshot']);
    expect(bin.sent[0].type === 'hello' && bin.sent[0].encoding).toBe('binary');
    expect(text.sent[0].type === 'hello' && text.sent[0].encoding).toBe('json');
    hub.tick();
    publish(1);
    publish(3);
    hub.tick();
    expect(bin.binaryDeltas).toBe(2);
    expect(text.binaryDeltas).toBe(0);
    const b = bin.sent.at(-1)!;
    const t = text.sent.at(-1)!;
    if (b.type !== 'delta' || t.type !== 'delta') throw new Error('expected deltas');
    expect([...b.racks.idx]).toEqual(t.racks.idx);
    b.racks.cols.forEach((col, c) =>
      expect([...col].map((v) => (Number.isFinite(v) ? Math.round((v as number) * 1000) / 1000 : null))).toEqual(t.racks.cols[c]));
    expect(b.site).toEqual(t.site);
    expect(b.halls).toEqual(t.halls);
  });

  it('sends hello, then a snapshot, then deltas carrying only what changed', () => {
    const { hub, publish } = setup();
    const ws = new FakeSocket();
    hub.accept(ws as unknown as HubSocket);
    expect(ws.sent.map((m) => m.type)).toEqual(['hello', 'snapshot']);
    hub.tick();
    publish(2);
    hub.tick();
    const last = ws.sent.at(-1)!;
    expect(last.type).toBe('delta');
    expect(last.type === 'delta' && last.racks.idx).toEqual([2]);
  });

  it('skips a client whose buffer is over the limit and resyncs it with one snapshot once drained', () => {
    const { hub, publish, metrics } = setup();
    const slow = new FakeSocket();
    const fast = new FakeSocket();
    hub.accept(slow as unknown as HubSocket);
    hub.accept(fast as unknown as HubSocket);
    slow.bufferedAmount = 50_000;
    const before = slow.sent.length;
    for (let k = 0; k < 20; k++) {
      publish(k % 4);
      hub.tick();
    }
    expect(slow.sent.length).toBe(before);
    expect(fast.sent.filter((m) => m.type === 'delta')).toHaveLength(20);
    slow.bufferedAmount = 0;
    hub.tick();
    expect(slow.sent.slice(before).map((m) => m.type)).toEqual(['snapshot']);
    hub.tick();
    expect(slow.sent.at(-1)!.type).toBe('delta');
    expect(metrics.value('hallwatch_ws_frames_total', { type: 'snapshot' })).toBe(3);
  });

  it.each([
    ['a backlog that drains within a second keeps its deltas', 900, 20, 0],
    ['a backlog held for more than a second is skipped, then resynced by snapshot', 1100, 18, 1],
  ])('%s', (_what, holdMs, expectedDeltas, expectedSnapshots) => {
    let now = 1_800_000_000_000;
    const site = buildSiteIndex(generateSite({ halls: 1, rows: 1, racksPerRow: 4, racksPerCdu: 2 }));
    const state = new LiveState(site, 3000);
    // The hard limit is far away: only the stall rule can skip the client.
    const hub = new WsHub({
      cfg: { tickMs: 100, heartbeatMs: 1000, maxBufferedBytes: 100_000_000 },
      state,
      metrics: new Metrics(),
      log: createLogger('error'),
      clock: () => now,
    });
    const ws = new FakeSocket();
    hub.accept(ws as unknown as HubSocket);
    hub.tick();
    const before = ws.sent.length;
    ws.bufferedAmount = 200_000;
    for (let k = 0; k < 20; k++) {
      now += 20;
      state.applyRack(k % 4, { ts: now, rackKw: 100, supplyC: 40, returnC: 48, flowLpm: 180 }, now);
      // A backlog held for `holdMs` after the first tick with it, drained at the next.
      if (k === 1) now += holdMs;
      if (k === 2) ws.bufferedAmount = 0;
      hub.tick();
    }
    expect(ws.sent.slice(before).filter((m) => m.type === 'delta')).toHaveLength(expectedDeltas);
    expect(ws.sent.slice(before).filter((m) => m.type === 'snapshot')).toHaveLength(expectedSnapshots);
  });

  it('sends the watched rack its GPU detail once per new sample', () => {
    const { hub, state } = setup();
    const ws = new FakeSocket();
    hub.accept(ws as unknown as HubSocket);
    ws.emit('message', Buffer.from(JSON.stringify({ type: 'watch', rackId: 'h1-r01-k02' })), false);
    state.applyRack(1, { ts: 5, rackKw: 100, supplyC: 40, returnC: 48, flowLpm: 180, gpuW: [1000, 1100] }, 5);
    hub.tick();
    hub.tick();
    const details = ws.sent.filter((m) => m.type === 'rack');
    expect(details).toHaveLength(1);
    expect(details[0].type === 'rack' && details[0].gpuW).toEqual([1000, 1100]);
  });

  it('terminates a client that missed a heartbeat', async () => {
    const { hub } = setup();
    const ws = new FakeSocket();
    hub.accept(ws as unknown as HubSocket);
    (hub as any).heartbeat();
    expect(ws.pinged).toBe(1);
    (hub as any).heartbeat();
    expect(ws.terminated).toBe(true);
    expect(hub.clientCount).toBe(0);
  });
});

describe('WsHub on the live state\'s events', () => {
  /** Resolves with the first frame of `type` the socket gets after now. */
  const next = (ws: FakeSocket, type: string) => new Promise<ServerMessage>((resolve) => {
    const send = ws.send.bind(ws);
    ws.send = (data, opts) => {
      send(data, opts);
      const m = ws.sent.at(-1)!;
      if (m.type === type) resolve(m);
    };
  });

  it.each([
    ['a change', (s: ReturnType<typeof setup>) => s.publish(2), [2]],
    ['a state tick with no change', (s: ReturnType<typeof setup>) => s.hub.stateTicked(), []],
  ])('sends a delta within the flush interval of %s, without polling', async (_what, cause, racks) => {
    const s = setup();
    const ws = new FakeSocket();
    s.hub.start();
    s.hub.accept(ws as unknown as HubSocket);
    s.hub.tick();
    const delta = next(ws, 'delta');
    const startedMs = performance.now();
    cause(s);
    const m = await delta;
    // 20 ms by default; a loaded machine's timers run late, so the bound is generous.
    expect(performance.now() - startedMs).toBeLessThan(500);
    expect(m.type === 'delta' && m.racks.idx).toEqual(racks);
    await s.hub.stop();
  });

  it('coalesces changes into one frame per flush interval', async () => {
    const s = setup();
    const ws = new FakeSocket();
    s.hub.start();
    s.hub.accept(ws as unknown as HubSocket);
    s.hub.tick();
    const delta = next(ws, 'delta');
    s.publish(0);
    s.publish(1);
    s.publish(3);
    const m = await delta;
    expect(m.type === 'delta' && [...m.racks.idx].sort()).toEqual([0, 1, 3]);
    await s.hub.stop();
  });

  it('stops listening to the live state and gives the HTTP server its upgrade event back', async () => {
    const s = setup();
    const server = new EventEmitter() as unknown as import('node:http').Server;
    s.hub.attach(server);
    s.hub.start();
    expect(server.listenerCount('upgrade')).toBe(1);
    expect(s.state.changed).not.toBeNull();
    await s.hub.stop();
    expect(server.listenerCount('upgrade')).toBe(0);
    expect(s.state.changed).toBeNull();
  });
});
