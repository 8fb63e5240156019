import { describe, expect, it } from 'vitest';
import { isLoopbackUrl } from '../../server/history/influx-client.ts';

describe('gzip only across a network', () => {
  const cases: [string, boolean][] = [
    ['http://127.0.0.1:8086', true], ['http://127.9.9.9:8086', true], ['http://localhost:8086', true], ['http://[::1]:8086', true],
    ['http://influx.site:8086', false], ['https://10.0.0.5:8086', false], ['http://128.0.0.1', false], ['not a url', false],
  ];
  for (const [url, loopback] of cases) it(`${url} → ${loopback ? 'this host' : 'elsewhere'}`, () => expect(isLoopbackUrl(url)).toBe(loopback));
});
