/**
 * A worker's side of the cluster's IPC channel: it asks the primary for what only the
 * primary can know (the whole service's metrics, a client's rate-limit count across every
 * worker) and answers the primary's requests for its own metrics.
 */
import type { Registry } from 'prom-client';
import { PrimaryMessage, type RepositoryChange, type WindowCount, type WorkerMessage } from './messages.js';

/** Longer than the primary's own wait for the slowest worker's metrics (metrics-hub.ts). */
const SCRAPE_TIMEOUT_MS = 5_000;
/** The primary counts a hit at once; a late answer means a stuck primary, and the request goes on uncounted. */
const HIT_TIMEOUT_MS = 1_000;

type Answer = Exclude<PrimaryMessage, { type: 'digit-serve:collect' | 'digit-serve:repository' }>;

export class WorkerLink {
  private readonly waiting = new Map<number, (answer: Answer) => void>();
  private nextId = 0;
  private registry: Registry | undefined;
  private onChange: ((change: RepositoryChange) => void) | undefined;
  /** changes that came before the app could follow them (a replacement worker's first messages) */
  private pendingChanges: RepositoryChange[] = [];

  constructor(
    /** cluster.worker.id: stable for the worker's life, never reused by a replacement */
    readonly workerId: number,
  ) {
    process.on('message', (raw: unknown) => this.receive(raw));
  }

  /** The registry this worker reports when the primary collects. */
  shareMetrics(registry: Registry): void {
    this.registry = registry;
  }

  async scrape(): Promise<string> {
    const answer = await this.ask({ type: 'digit-serve:scrape', id: this.nextId++ }, SCRAPE_TIMEOUT_MS);
    if (answer.type === 'digit-serve:scraped') return answer.text;
    throw new Error(answer.type === 'digit-serve:scrape-failed' ? answer.reason : `unexpected answer ${answer.type} to a scrape`);
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const answer = await this.ask({ type: 'digit-serve:hit', id: this.nextId++, key, windowMs }, HIT_TIMEOUT_MS);
    if (answer.type !== 'digit-serve:counted') throw new Error(`unexpected answer ${answer.type} to a rate-limit hit`);
    return answer.count;
  }

  /** What to do when another worker loaded or unloaded a model through the repository API. */
  followRepositoryChanges(apply: (change: RepositoryChange) => void): void {
    this.onChange = apply;
    for (const change of this.pendingChanges.splice(0)) apply(change);
  }

  /** A model loaded or unloaded here: the other workers are told, through the primary. */
  announceRepositoryChange(change: RepositoryChange): Promise<void> {
    return this.send({ type: 'digit-serve:repository', change });
  }

  /** Tell the primary why this worker cannot start; resolves once the message is handed over. */
  reportFailure(reason: string): Promise<void> {
    return this.send({ type: 'digit-serve:failed', reason });
  }

  private ask(message: WorkerMessage & { id: number }, timeoutMs: number): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(message.id);
        reject(new Error(`the cluster's primary did not answer a ${message.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(message.id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.send(message).catch((err: unknown) => {
        clearTimeout(timer);
        this.waiting.delete(message.id);
        reject(err as Error);
      });
    });
  }

  private send(message: WorkerMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!process.send) return reject(new Error('no IPC channel to the primary'));
      process.send(message, undefined, {}, (err: Error | null) => (err ? reject(err) : resolve()));
    });
  }

  private receive(raw: unknown): void {
    const parsed = PrimaryMessage.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.type === 'digit-serve:collect') {
      void this.answerCollect(message.id);
      return;
    }
    if (message.type === 'digit-serve:repository') {
      if (this.onChange) this.onChange(message.change);
      else this.pendingChanges.push(message.change);
      return;
    }
    const resolve = this.waiting.get(message.id);
    this.waiting.delete(message.id);
    resolve?.(message);
  }

  private async answerCollect(id: number): Promise<void> {
    const metrics = this.registry ? await this.registry.getMetricsAsJSON() : [];
    await this.send({ type: 'digit-serve:collected', id, metrics }).catch(() => {
      // the primary is gone; the worker is about to be disconnected
    });
  }
}
