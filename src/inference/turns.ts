/**
 * Requests whose work runs on the event loop's thread (small pictures decoded and normalised
 * there) take turns: the inference routes take one before they read the body, and a long batch
 * takes another every slice (predictor.ts). One caller runs per turn of the loop, in the order
 * they asked, with a poll for I/O in between.
 *
 * Why: libuv (1.45 on) accepts at most one new connection per turn of the loop, and one poll
 * hands over every request that is ready. When each request's work ran as soon as it was read,
 * one turn ran all of them: fresh connections waited in the kernel's accept queue (strace shows
 * one accept4 per epoll_pwait), and a request read just after a poll waited for all that poll
 * brought, so the tail latency under load was many times the median. Taking turns, a
 * connection waits for at most one request's work before it is accepted, and requests are
 * served in the order they came. Taking the turn before the body is parsed matters too: a
 * request that waits as raw bytes is cheap for the garbage collector, one that waits as 64
 * parsed multipart files is not. Figures: docs/ARCHITECTURE.md ("Taking turns") and
 * docs/BENCHMARKS.md.
 */
import { setImmediate } from 'node:timers';

const waiting: Array<() => void> = [];
let releasing = false;

/** Resolves when it is this caller's turn; the caller then runs its slice of work without awaiting anything else. */
export function takeTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!releasing) {
      releasing = true;
      setImmediate(releaseOne);
    }
  });
}

/**
 * Lets the first waiter run (its continuation runs right after this callback, as a microtask);
 * the next one waits for the next turn: an immediate queued while immediates run waits for the
 * loop to poll again.
 */
function releaseOne(): void {
  waiting.shift()!();
  if (waiting.length > 0) setImmediate(releaseOne);
  else releasing = false;
}

/**
 * Milliseconds of reading on this thread after which a batch waits for another turn: a full
 * batch of photos would otherwise hold other requests and the health probes for its whole
 * reading. Long enough that an ordinary batch of small PNGs runs in one turn: shorter slices
 * cost batches throughput (docs/ARCHITECTURE.md, "Taking turns").
 */
export const ON_THREAD_SLICE_MS = 50;

/** `work` on each item on this thread, in order; the caller has its turn, and takes another every ON_THREAD_SLICE_MS. */
export async function mapInTurns<T, R>(items: readonly T[], work: (item: T, index: number) => R): Promise<R[]> {
  const out: R[] = [];
  let sliceStart = performance.now();
  for (const [i, item] of items.entries()) {
    if (performance.now() - sliceStart >= ON_THREAD_SLICE_MS) {
      await takeTurn();
      sliceStart = performance.now();
    }
    out.push(work(item, i));
  }
  return out;
}
