/**
 * Failed-login rate limits per client address and per user name (so many addresses cannot
 * multiply the guesses at one account), over a sliding minute.
 */

/** Failed logins allowed per client address per minute. */
const FAILURES_PER_ADDRESS_PER_MIN = 5;
/** Failed logins allowed per user name per minute, from all addresses together. */
export const LOGIN_FAILURES_PER_USER_PER_MIN = 20;
/** Addresses and names whose failures are remembered; the oldest are forgotten beyond this. */
const FAILURE_KEYS_MAX = 10_000;

export class LoginLimiter {
  private readonly byAddress = new Map<string, number[]>();
  private readonly byUser = new Map<string, number[]>();

  /** Why a login from `address` as `name` is refused now, or null when it may be tried. */
  refusal(address: string, name: string, nowMs: number): string | null {
    if (recent(this.byAddress, address, nowMs).length >= FAILURES_PER_ADDRESS_PER_MIN) return 'too many failed logins from this address; wait a minute';
    if (recent(this.byUser, name, nowMs).length >= LOGIN_FAILURES_PER_USER_PER_MIN) return 'too many failed logins for this user; wait a minute';
    return null;
  }

  failed(address: string, name: string, nowMs: number): void {
    remember(this.byAddress, address, [...recent(this.byAddress, address, nowMs), nowMs]);
    remember(this.byUser, name, [...recent(this.byUser, name, nowMs), nowMs]);
  }

  /** A good login clears its address's failures (the user's stay: they count every address). */
  succeeded(address: string): void {
    this.byAddress.delete(address);
  }
}

function recent(map: Map<string, number[]>, key: string, nowMs: number): number[] {
  return (map.get(key) ?? []).filter((t) => nowMs - t < 60_000);
}

/** Stores a key's failures as the newest entry, forgetting the oldest key beyond FAILURE_KEYS_MAX. */
function remember(map: Map<string, number[]>, key: string, times: number[]): void {
  map.delete(key);
  map.set(key, times);
  if (map.size > FAILURE_KEYS_MAX) map.delete(map.keys().next().value!);
}
