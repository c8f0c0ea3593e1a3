/**
 * Bounded concurrency with a bounded queue. Decoding runs in sharp's thread pool; letting
 * every request start its decode at once only lengthens every queue, so at most `concurrency`
 * tasks run and about `queueLimit` wait. Past that, work is refused at once (the caller sheds
 * load with 503 and Retry-After) instead of queueing without bound.
 *
 * A task also has a weight (the pixels its decode holds), and the weights of the tasks running
 * stay within `weightLimit`: a slot is not what a task costs, and four large pictures in four
 * slots held the memory and the cores that every other request waited for. Tasks start in
 * arrival order; one whose weight does not fit waits for running ones to finish, and later
 * weighed tasks wait behind it (so a large picture is not overtaken for ever by smaller ones),
 * while weightless ones (small pictures: they need only a slot) go past it. A task heavier than
 * the whole limit still starts when no weighed task runs, so it is not refused for ever.
 *
 * A request's images are admitted together or not at all: shedding half a batch would decode
 * the other half for nobody. A group is always admitted when nothing waits, so a batch larger
 * than the queue still runs on an idle server instead of being refused forever.
 */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

export interface Task<T> {
  readonly run: () => Promise<T>;
  /** counted against the weight limit while it runs; 0 waits only for a slot */
  readonly weight: number;
}

interface Waiter {
  readonly weight: number;
  readonly start: () => void;
}

export class Limiter {
  private active = 0;
  private weighing = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    readonly concurrency: number,
    readonly queueLimit: number,
    readonly weightLimit = Infinity,
  ) {}

  get pending(): number {
    return this.waiting.length;
  }

  /** Start every task as a slot (and room for its weight) frees up, or throw QueueFullError (starting none) when the group does not fit. */
  runAll<T>(tasks: readonly Task<T>[]): Promise<T>[] {
    const overflow = Math.max(0, tasks.length - (this.concurrency - this.active));
    if (this.waiting.length > 0 && this.waiting.length + overflow > this.queueLimit) {
      throw new QueueFullError(`${this.waiting.length} tasks already waiting`);
    }
    const results = tasks.map(
      (task) =>
        new Promise<T>((resolve, reject) => {
          const done = () => {
            this.active--;
            this.weighing -= task.weight;
            this.startWaiting();
          };
          const start = () => {
            let running: Promise<T>;
            try {
              running = task.run();
            } catch (err) {
              running = Promise.reject(err);
            }
            // the slot is given back before the caller sees the result, so its next task can have it
            running.then(
              (value) => {
                done();
                resolve(value);
              },
              (err: unknown) => {
                done();
                reject(err);
              },
            );
          };
          this.waiting.push({ weight: task.weight, start });
        }),
    );
    this.startWaiting();
    return results;
  }

  /** One weightless task; a full queue rejects the returned promise. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    return this.runAll([{ run: task, weight: 0 }])[0]!;
  }

  /** Start the waiting tasks that may start now, in arrival order (see the class comment). */
  private startWaiting(): void {
    let weighedWait = false;
    for (let i = 0; i < this.waiting.length && this.active < this.concurrency;) {
      const { weight, start } = this.waiting[i]!;
      if (weight > 0 && (weighedWait || (this.weighing > 0 && this.weighing + weight > this.weightLimit))) {
        weighedWait = true;
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.active++;
      this.weighing += weight;
      start();
    }
  }
}
