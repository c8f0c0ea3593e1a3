/**
 * What the cluster's processes say to each other over node:cluster's IPC channel. Each side
 * checks what it receives against these schemas and ignores anything else (node's own
 * messages, or a message of another library on the same channel).
 */
import { z } from 'zod';

const Id = z.number().int().nonnegative();

/** One rate-limit window as the primary counts it: requests so far, and ms until it ends. */
export const WindowCount = z.object({ current: z.number().int().positive(), ttl: z.number().nonnegative() });
export type WindowCount = z.infer<typeof WindowCount>;

/** A model loaded or unloaded through the repository API on one worker, for every other worker to do too. */
export const RepositoryChange = z.object({ action: z.enum(['load', 'unload']), model: z.string() });
export type RepositoryChange = z.infer<typeof RepositoryChange>;

export const WorkerMessage = z.discriminatedUnion('type', [
  /** a client scraped /metrics on this worker: the primary answers with the whole service's */
  z.object({ type: z.literal('digit-serve:scrape'), id: Id }),
  /** one request of `key` under the rate limit: the primary answers with the window's count */
  z.object({ type: z.literal('digit-serve:hit'), id: Id, key: z.string(), windowMs: z.number().int().positive() }),
  /** this worker's own metrics (prom-client's getMetricsAsJSON), asked for by a collect */
  z.object({ type: z.literal('digit-serve:collected'), id: Id, metrics: z.array(z.unknown()) }),
  /** the worker cannot start: one line for the operator, printed once by the primary */
  z.object({ type: z.literal('digit-serve:failed'), reason: z.string() }),
  /** a repository change done here: the primary passes it on to the other workers */
  z.object({ type: z.literal('digit-serve:repository'), change: RepositoryChange }),
]);
export type WorkerMessage = z.infer<typeof WorkerMessage>;

export const PrimaryMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('digit-serve:scraped'), id: Id, text: z.string() }),
  z.object({ type: z.literal('digit-serve:scrape-failed'), id: Id, reason: z.string() }),
  z.object({ type: z.literal('digit-serve:counted'), id: Id, count: WindowCount }),
  z.object({ type: z.literal('digit-serve:collect'), id: Id }),
  z.object({ type: z.literal('digit-serve:repository'), change: RepositoryChange }),
]);
export type PrimaryMessage = z.infer<typeof PrimaryMessage>;
