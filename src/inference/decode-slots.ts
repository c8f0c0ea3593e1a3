/**
 * A request's decodes admitted to the process's decode slots (limiter.ts) as one group, or the
 * request shed with 503 `overloaded` at once: /predict and /read share the slots and the budget.
 */
import { HttpProblem } from '../http/problem.js';
import { QueueFullError, type Limiter, type Task } from './limiter.js';

/** Seconds a shed client is told to wait: decoding queues drain in well under a second. */
const RETRY_AFTER_SECONDS = 1;

export function runOrShed<T>(slots: Limiter, tasks: readonly Task<T>[]): Promise<T>[] {
  try {
    return slots.runAll(tasks);
  } catch (err) {
    if (err instanceof QueueFullError) {
      throw new HttpProblem('overloaded', 'too many images are waiting to be decoded', {}, { 'retry-after': String(RETRY_AFTER_SECONDS) });
    }
    throw err;
  }
}
