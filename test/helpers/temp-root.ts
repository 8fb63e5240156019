/**
 * One directory for a whole run's temporary files (storage directories, sites, broker and
 * InfluxDB data, spill files, journals), removed when the run ends, so repeated test, chaos and
 * bench runs do not fill the machine's /tmp. Code that runs afterwards in this process, and the
 * programs it starts, inherit TMPDIR, which `os.tmpdir()` reads on each call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Points TMPDIR at a fresh directory; the returned function removes it and restores TMPDIR. */
export function useTempRoot(name: string): () => void {
  const root = mkdtempSync(join(tmpdir(), `hallwatch-${name}-`));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    // A mount a failed disk-full scenario could not undo must not fail the run.
    try {
      rmSync(root, { recursive: true, force: true });
    } catch (e) {
      console.warn(`temporary files left in ${root}: ${(e as Error).message}`);
    }
  };
}
