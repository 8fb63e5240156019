/**
 * Whole-file writes that a crash cannot leave half done: the bytes go to a temporary file next to
 * the target, which is then renamed over it (a rename within one directory is atomic on POSIX).
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

let tmpSeq = 0;

/**
 * Replaces `path` with `data` atomically, creating its directory. `mode` applies to a new file
 * (0o600 for secrets). A failed write removes its temporary file and rethrows.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode?: number): Promise<void> {
  // A name of its own per write: two writes of one file in flight never share a temporary file.
  const tmp = `${path}.${process.pid}-${tmpSeq++}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, data, mode === undefined ? undefined : { mode });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}
