/**
 * Requests whose work runs on the event loop's thread (small pictures decoded and normalised
 * there) take turns: the inference routes take one before they read the body, and a long batch
 * takes another every slice (predictor.ts). Callers run in the order they asked, as many in
 * one turn of the loop as TURN_BUDGET_MS holds at the pace of the turn before, with a poll for
 * I/O between two turns.
 *
 * Why: libuv (1.45 on) accepts at most one new connection per turn of the loop, and one poll
 * hands over every request that is ready. When each request's work ran as soon as it was read,
 * one turn ran all of them: fresh connections waited in the kernel's accept queue (strace shows
 * one accept4 per epoll_pwait), and a request read just after a poll waited for all that poll
 * brought, so the tail latency under load was many times the median. Taking turns, a
 * connection waits for about one turn's work (TURN_BUDGET_MS, or one caller's slice when that
 * is longer) before it is accepted, and requests are served in the order they came. One caller
 * per turn, the first rule, cost more CPU per request than a small PNG's inference, and more
 * latency than it saved. Taking the turn before the body is parsed matters too: a
 * request that waits as raw bytes is cheap for the garbage collector, one that waits as 64
 * parsed multipart files is not. Figures: docs/ARCHITECTURE.md ("Taking turns") and
 * docs/BENCHMARKS.md.
 */
import { setImmediate } from 'node:timers';

/**
 * Milliseconds of callers' work one turn of the loop should hold, at the pace of the last turn:
 * a turn per caller cost more than a small picture's whole request (docs/ARCHITECTURE.md,
 * "Taking turns").
 */
export const TURN_BUDGET_MS = 1;
/** At most this many callers in one turn, however quick they were: a fresh connection waits for no more. */
export const CALLERS_PER_TURN = 16;

const waiting: Array<() => void> = [];
let releasing = false;
/** milliseconds of work per caller in the last turn: the next releases as many as TURN_BUDGET_MS holds at that pace */
let perCallerMs = TURN_BUDGET_MS;
let turnStart = 0;
let released = 0;

/** Resolves when it is this caller's turn; the caller then runs its slice of work without awaiting anything else. */
export function takeTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!releasing) {
      releasing = true;
      queueTurn();
    }
  });
}

/**
 * A turn is two immediates queued together, so the loop runs them in one check phase: the
 * first releases the callers (their continuations run as microtasks right after it), and Node
 * drains the ticks and microtasks before the second, which times their work. An immediate
 * queued while immediates run waits for the loop to poll again: so does the next turn.
 */
function queueTurn(): void {
  setImmediate(releaseTurn);
  setImmediate(endTurn);
}

function releaseTurn(): void {
  turnStart = performance.now();
  released = Math.min(waiting.length, CALLERS_PER_TURN, Math.max(1, Math.floor(TURN_BUDGET_MS / perCallerMs)));
  for (const resolve of waiting.splice(0, released)) resolve();
}

function endTurn(): void {
  perCallerMs = (performance.now() - turnStart) / released;
  if (waiting.length > 0) queueTurn();
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
