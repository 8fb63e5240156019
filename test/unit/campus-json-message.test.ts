import { describe, expect, it } from 'vitest';
import { GZIP_OVER_BYTES, jsonMessage, readJsonMessage } from '../../server/campus/json-message.ts';

/** An alerts snapshot of `n` incidents, about 300 bytes each as JSON. */
const storm = (n: number) => ({
  incidents: Array.from({ length: n }, (_, k) => ({ id: `group:h1-r${k}`, title: `h1-r${k}-cdu-a: CDU tripped — 8 racks at risk`, racks: Array.from({ length: 8 }, (_, r) => `h1-r${k}-k0${r}`) })),
});

describe('JSON messages between shards and the campus view', () => {
  it.each([
    ['a beat', { shard: 'h1', halls: ['h1'], sentMs: 1 }, false],
    ['a small alerts snapshot', storm(10), false],
    ['a storm of 2,000 incidents (over 256 kB as text)', storm(2000), true],
    ['a storm of 10,000 incidents (several MB as text, over NATS\'s 1 MB)', storm(10_000), true],
  ])('%s: round-trips, gzipped only when large', (_name, body, gzipped) => {
    const text = JSON.stringify(body).length;
    const m = jsonMessage(body);
    expect(m.headers?.get('Content-Encoding') === 'gzip').toBe(gzipped);
    expect(text > GZIP_OVER_BYTES).toBe(gzipped);
    if (gzipped) expect(m.data.byteLength).toBeLessThan(1024 * 1024);
    expect(readJsonMessage(m)).toEqual(body);
  });

  it('refuses a body that is not JSON, naming it', () => {
    expect(() => readJsonMessage({ data: new TextEncoder().encode('{not json'), headers: undefined })).toThrow(/JSON/);
  });
});
