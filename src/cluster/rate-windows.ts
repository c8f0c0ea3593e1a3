/**
 * Fixed-window request counts per client, the one count the rate limit reads. Held by the
 * cluster's primary for every worker (so a client's requests count once whichever worker
 * answers them), or by the single process when there is no cluster.
 *
 * Every key has the same window, so the Map's insertion order is the order in which windows
 * end (a key whose window restarts is deleted and set again): ended windows are dropped from
 * the front as requests come, and memory holds only the clients of the current windows.
 */
import type { WindowCount } from './messages.js';

/** Clients counted at once before the oldest window is forgotten early (its client starts afresh). */
const MAX_CLIENTS = 100_000;

export class RateWindows {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(
    private readonly maxClients = MAX_CLIENTS,
    private readonly now: () => number = Date.now,
  ) {}

  hit(key: string, windowMs: number): WindowCount {
    const now = this.now();
    this.dropEnded(now);
    const window = this.windows.get(key);
    if (window !== undefined && window.endsAt > now) {
      window.count += 1;
      return { current: window.count, ttl: window.endsAt - now };
    }
    this.windows.delete(key);
    if (this.windows.size >= this.maxClients) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(key, { count: 1, endsAt: now + windowMs });
    return { current: 1, ttl: windowMs };
  }

  get size(): number {
    return this.windows.size;
  }

  private dropEnded(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.endsAt > now) return;
      this.windows.delete(key);
    }
  }
}
