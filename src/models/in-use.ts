/**
 * The requests using one served model right now. A version that is replaced or unloaded leaves
 * the registry at once, so no new request gets it; its weights are freed only once the requests
 * that chose it before have finished with it.
 */
export class InUse {
  private active = 0;
  private waiting: (() => void)[] = [];

  /** Run `work` as one user of the model. */
  async during<T>(work: () => Promise<T>): Promise<T> {
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      if (this.active === 0) this.wake();
    }
  }

  /** Resolves once no work is running (at once when none is). */
  drained(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  get users(): number {
    return this.active;
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
