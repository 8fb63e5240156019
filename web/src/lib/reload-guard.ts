/**
 * A page reload that cannot loop: a dashboard facing an upgraded server reloads to fetch the
 * matching build, but if the reloaded page still does not match (the new build is not served
 * yet, or a proxy caches the old one) it keeps its banner instead of reloading again and again.
 */

/** Reloads of one tab are this far apart at least, ms. */
export const RELOAD_EVERY_MS = 60_000;
const KEY = 'hallwatch.upgradeReloadMs';

/**
 * Whether to reload now; records the reload in `storage` (the tab's sessionStorage) when it says
 * yes. Without a storage that works there is no guard, so no reload.
 */
export function reloadAllowed(storage: Pick<Storage, 'getItem' | 'setItem'>, nowMs: number, everyMs = RELOAD_EVERY_MS): boolean {
  try {
    const lastMs = Number(storage.getItem(KEY));
    if (lastMs > 0 && lastMs <= nowMs && nowMs - lastMs < everyMs) return false;
    storage.setItem(KEY, String(nowMs));
    return true;
  } catch {
    return false;
  }
}
