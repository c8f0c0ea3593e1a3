/**
 * The per-client rate limit on the API routes. @fastify/rate-limit does the hooking, keying
 * (the client's address) and headers; the counts come from one RateWindows for the whole
 * service: this process's own, or, in a cluster, the primary's, asked over IPC
 * (cluster/worker-link.ts), so a client's requests count once whichever worker answers.
 *
 * Every answer of the limited routes states the policy: `RateLimit-Policy: 5;w=20` (limit and
 * window), `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (the IETF draft's
 * names); a 429 adds `Retry-After` and says the configured limit and window in words.
 */
import type { FastifyInstance } from 'fastify';
import rateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit';
import type { WindowCount } from '../cluster/messages.js';
import type { Config } from '../config.js';
import { HttpProblem } from './problem.js';

/** Counts one request of a client and answers its window's count so far. */
export type CountHit = (key: string, windowMs: number) => WindowCount | Promise<WindowCount>;

/** "20 seconds", "1 minute", "90 seconds", "1500 ms": the window as the operator would say it. */
export function describeWindow(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1_000, 'second'],
  ];
  for (const [size, unit] of units) {
    if (ms % size === 0) return ms === size ? `1 ${unit}` : `${ms / size} ${unit}s`;
  }
  return `${ms} ms`;
}

type LimitSettings = Pick<Config, 'RATE_LIMIT_MAX' | 'RATE_LIMIT_WINDOW_MS'>;

export async function registerRateLimit(api: FastifyInstance, settings: LimitSettings, countHit: CountHit): Promise<void> {
  const { RATE_LIMIT_MAX: max, RATE_LIMIT_WINDOW_MS: windowMs } = settings;
  const windowText = describeWindow(windowMs);
  const policy = `${max};w=${windowMs / 1000}`;
  const log = api.log;

  class WindowStore implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: WindowCount) => void, timeWindow: number): void {
      const counted = countHit(key, timeWindow);
      if (!(counted instanceof Promise)) return callback(null, counted);
      counted.then(
        (count) => callback(null, count),
        (err: unknown) => {
          // the request goes on uncounted (skipOnError) rather than failing for the service's own fault
          log.warn({ err }, 'rate limit: the request could not be counted');
          callback(err as Error);
        },
      );
    }

    child(): FastifyRateLimitStore {
      return this;
    }
  }

  await api.register(rateLimit, {
    max,
    timeWindow: windowMs,
    store: WindowStore,
    skipOnError: true,
    enableDraftSpec: true,
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(
        'rate_limited',
        `at most ${max} requests per ${windowText} from one client; the current window ends in ${Math.ceil(context.ttl / 1000)} s`,
        { limit: max, windowSeconds: windowMs / 1000 },
      ),
  });
  api.addHook('onRequest', async (_request, reply) => {
    reply.header('ratelimit-policy', policy);
  });
}
