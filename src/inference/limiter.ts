/**
 * Bounded concurrency with a bounded queue. Decoding runs in sharp's thread pool; letting
 * every request start its decode at once only lengthens every queue, so at most `concurrency`
 * tasks run and about `queueLimit` wait. Past that, work is refused at once (the caller sheds
 * load with 503 and Retry-After) instead of queueing without bound.
 *
 * A request's images are admitted together or not at all: shedding half a batch would decode
 * the other half for nobody. A group is always admitted when nothing waits, so a batch larger
 * than the queue still runs on an idle server instead of being refused forever.
 */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly concurrency: number,
    readonly queueLimit: number,
  ) {}

  get pending(): number {
    return this.waiting.length;
  }

  /** Start every task as a slot frees up, or throw QueueFullError (starting none) when the group does not fit. */
  runAll<T>(tasks: readonly (() => Promise<T>)[]): Promise<T>[] {
    const overflow = Math.max(0, tasks.length - (this.concurrency - this.active));
    if (this.waiting.length > 0 && this.waiting.length + overflow > this.queueLimit) {
      throw new QueueFullError(`${this.waiting.length} tasks already waiting`);
    }
    return tasks.map((task) => this.runAdmitted(task));
  }

  /** One task; a full queue rejects the returned promise. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    return this.runAll([task])[0]!;
  }

  private async runAdmitted<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.concurrency) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // hand the slot straight to the next waiter, so `active` never drops below what is running
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
