/**
 * Bounded concurrency with a bounded queue. Decoding runs in sharp's thread pool; letting
 * every request start its decode at once only lengthens every queue, so at most `concurrency`
 * run and at most `queueLimit` wait. Past that the work is refused at once (the caller sheds
 * load with 503 and Retry-After) instead of queueing without bound.
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

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.queueLimit) throw new QueueFullError(`${this.waiting.length} tasks already waiting`);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
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
