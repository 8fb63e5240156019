/**
 * The short chaos scenarios (bench/chaos) at their `npm test` sizes: every measured check must
 * hold. `npm run chaos` runs all of them at full size and prints the table.
 */
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../bench/chaos/scenarios.ts';

describe('chaos (short scenarios)', () => {
  for (const s of SCENARIOS.filter((x) => x.short)) {
    it(s.name, async () => {
      const rows = await s.run('short', () => {});
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) expect(r.pass, `${r.injected} → must hold: ${r.mustHold}; measured: ${r.figure}`).toBe(true);
      // The longest, ingest killed with kill -9, took 111 s on a fresh-clone CI run: room for a busier machine.
    }, 300_000);
  }
});
