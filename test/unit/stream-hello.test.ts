import { describe, expect, it } from 'vitest';
import { CDU_COLUMNS, RACK_COLUMNS, STREAM_PROTOCOL_VERSION } from '../../protocol/stream.ts';
import { checkHello } from '../../protocol/stream-hello.ts';
import { reloadAllowed } from '../../web/src/lib/reload-guard.ts';

const v = STREAM_PROTOCOL_VERSION;
const racks = [...RACK_COLUMNS];
const cdus = [...CDU_COLUMNS];
const moved = [racks[1], racks[0], ...racks.slice(2)];

describe('checkHello()', () => {
  it.each([
    ['the same version and columns', { protocol: v, rackColumns: racks, cduColumns: cdus }, { ok: true }],
    ['the same, naming the server (a pair\'s hello)', { protocol: v, rackColumns: racks, cduColumns: cdus, serverName: 'hw-2:8080' }, { ok: true }],
    ['a newer server', { protocol: v + 1, rackColumns: racks, cduColumns: cdus },
      { ok: false, serverNewer: true, message: `stream protocol: expected version ${v}, got ${v + 1}` }],
    ['an older server', { protocol: v - 1, rackColumns: racks, cduColumns: cdus },
      { ok: false, serverNewer: false, message: `stream protocol: expected version ${v}, got ${v - 1}` }],
    ['no version', { rackColumns: racks, cduColumns: cdus }, { ok: false, serverNewer: false, message: `stream protocol: expected version ${v}, got null` }],
    ['a version as text', { protocol: String(v + 1), rackColumns: racks, cduColumns: cdus },
      { ok: false, serverNewer: false, message: `stream protocol: expected version ${v}, got "${v + 1}"` }],
    ['a rack column more', { protocol: v, rackColumns: [...racks, 'dewPointC'], cduColumns: cdus },
      { ok: false, serverNewer: false, message: `rack columns: expected ${racks.length}, got ${racks.length + 1} (unknown dewPointC)` }],
    ['a rack column less', { protocol: v, rackColumns: racks.slice(0, -1), cduColumns: cdus },
      { ok: false, serverNewer: false, message: `rack columns: expected ${racks.length}, got ${racks.length - 1} (missing ${racks.at(-1)})` }],
    ['a rack column renamed', { protocol: v, rackColumns: ['rackW', ...racks.slice(1)], cduColumns: cdus },
      { ok: false, serverNewer: false, message: `rack columns: expected ${racks.length}, got ${racks.length} (missing rackKw; unknown rackW)` }],
    ['rack columns in another order', { protocol: v, rackColumns: moved, cduColumns: cdus },
      { ok: false, serverNewer: false, message: `rack columns: expected ${racks.length}, got ${racks.length} (the same names in another order)` }],
    ['no CDU columns', { protocol: v, rackColumns: racks }, { ok: false, serverNewer: false, message: `CDU columns: expected ${cdus.length}, got none` }],
    ['a CDU column more', { protocol: v, rackColumns: racks, cduColumns: [...cdus, 'valvePct'] },
      { ok: false, serverNewer: false, message: `CDU columns: expected ${cdus.length}, got ${cdus.length + 1} (unknown valvePct)` }],
  ])('%s: %j', (_what, hello, verdict) => {
    expect(checkHello(hello)).toEqual(verdict);
  });
});

describe('reloadAllowed()', () => {
  const storage = (entries: Record<string, string> = {}) => {
    const m = new Map(Object.entries(entries));
    return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, val: string) => void m.set(k, val), m };
  };
  const KEY = 'hallwatch.upgradeReloadMs';

  it.each([
    ['no reload before', {}, 100_000, true],
    ['a reload 10 s ago', { [KEY]: '90000' }, 100_000, false],
    ['a reload 59.9 s ago', { [KEY]: '40100' }, 100_000, false],
    ['a reload 60 s ago', { [KEY]: '40000' }, 100_000, true],
    ['a reload stamped in the future (clock stepped back)', { [KEY]: '200000' }, 100_000, true],
    ['an unreadable stamp', { [KEY]: 'x' }, 100_000, true],
  ])('%s: %s', (_what, entries, nowMs, allowed) => {
    const s = storage(entries);
    expect(reloadAllowed(s, nowMs, 60_000)).toBe(allowed);
    expect(s.m.get(KEY)).toBe(allowed ? String(nowMs) : entries[KEY as keyof typeof entries]);
  });

  it('allows one reload, refuses a second within the interval, and allows one after it', () => {
    const s = storage();
    expect([0, 30_000, 59_999, 60_000, 60_001].map((t) => reloadAllowed(s, 1_000_000 + t, 60_000))).toEqual([true, false, false, true, false]);
  });

  it('refuses when the storage throws (no guard against a reload loop)', () => {
    expect(reloadAllowed({ getItem: () => { throw new Error('denied'); }, setItem: () => undefined }, 1000)).toBe(false);
  });
});
