import { describe, expect, it } from 'vitest';
import { notYet, seen, waitFor } from '../helpers/wait.ts';

describe('waitFor()', () => {
  it('returns what the probe found', async () => {
    let calls = 0;
    expect(await waitFor('third call', () => (++calls === 3 ? { calls } : notYet({ calls })), 1000, 1)).toEqual({ calls: 3 });
  });

  it.each([
    ['what notYet saw', () => notYet({ incidents: ['rack:h3-r01-k01'] }), '(last: {"incidents":["rack:h3-r01-k01"]})'],
    ['the value seen() was given', () => seen('stale', (s) => s === 'live'), '(last: "stale")'],
    ['the message of what the probe threw', () => { throw new Error('HTTP 503'); }, '(last: HTTP 503)'],
    ['a long description cut short', () => notYet('x'.repeat(5000)), `(last: "${'x'.repeat(1999)}…)`],
  ])('times out naming what it waited for and %s', async (_, probe, last) => {
    await expect(waitFor('both incidents', probe as () => unknown, 30, 5)).rejects.toThrow(`timed out after 30 ms waiting for both incidents ${last}`);
  });
});
