/**
 * The primary's view of the whole service's metrics. A scrape on any worker comes here: the
 * primary collects every ready worker's registry, sums counters and histograms across them
 * (prom-client's cluster aggregation), keeps per-worker process metrics apart by their
 * `worker` label, and adds its own.
 *
 * Counters must never go down as seen from outside, or Prometheus reads a reset and
 * counts the whole sum again as new. So a worker that is slow to answer contributes the last
 * snapshot it sent, and a worker that dies leaves its last service counts in the sums (only
 * the counts since its last snapshot are lost, which were never reported).
 */
import type { Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { sendTo } from './send.js';

type Snapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** How long a scrape waits for a worker before using its last snapshot. */
const COLLECT_TIMEOUT_MS = 1_000;
/** The label that keeps one process's series apart from the others'. */
export const WORKER_LABEL = 'worker';

/** (prom-client's types declare `type` a numeric enum; its JSON holds the names) */
const COUNTING_TYPES = new Set(['counter', 'histogram']);

const perWorker = (value: { labels: object }) => WORKER_LABEL in value.labels;

/** Per-worker series are never merged, so they need no aggregation (prom-client would omit some, e.g. the start time). */
function keepPerWorkerSeries(snapshot: Snapshot): Snapshot {
  return snapshot.map((metric) =>
    metric.values.length > 0 && metric.values.every(perWorker) ? { ...metric, aggregator: 'first' as const } : metric,
  );
}

/** What of a dead worker stays in the sums: its counters and histograms, not its per-process series. */
function serviceCounts(snapshot: Snapshot): Snapshot {
  return snapshot
    .filter((metric) => COUNTING_TYPES.has(metric.type as unknown as string))
    .map((metric) => ({ ...metric, values: metric.values.filter((v) => !perWorker(v)) }))
    .filter((metric) => metric.values.length > 0);
}

export class MetricsHub {
  /** each live worker's last answer, by cluster worker id */
  private readonly latest = new Map<number, Snapshot>();
  /** answers a scrape is waiting for, by collect id and worker id */
  private readonly waiting = new Map<string, () => void>();
  /** the dead workers' counts, merged into one snapshot */
  private retired: Promise<Snapshot> = Promise.resolve([]);
  private nextId = 0;

  constructor(
    /** the primary's own metrics */
    private readonly own: Registry,
    private readonly collectTimeoutMs = COLLECT_TIMEOUT_MS,
  ) {}

  /** The whole service's metrics in Prometheus' text format. */
  async scrape(workers: readonly Worker[]): Promise<string> {
    const id = this.nextId++;
    await Promise.all(workers.map((worker) => this.collect(worker, id)));
    const snapshots = workers.map((worker) => this.latest.get(worker.id)).filter((snapshot) => snapshot !== undefined);
    const own = keepPerWorkerSeries(await this.own.getMetricsAsJSON());
    const registry = AggregatorRegistry.aggregate([own, await this.retired, ...snapshots]);
    return registry.metrics();
  }

  /** A worker's answer to a collect. */
  collected(workerId: number, id: number, metrics: unknown[]): void {
    this.latest.set(workerId, keepPerWorkerSeries(metrics as Snapshot));
    this.waiting.get(`${id}:${workerId}`)?.();
  }

  /** A worker is gone: its counts stay, its pending answers are not waited for. */
  retire(workerId: number): void {
    const last = this.latest.get(workerId);
    this.latest.delete(workerId);
    for (const [key, done] of this.waiting) if (key.endsWith(`:${workerId}`)) done();
    if (last === undefined) return;
    this.retired = this.retired.then((retired) => AggregatorRegistry.aggregate([retired, serviceCounts(last)]).getMetricsAsJSON());
  }

  private collect(worker: Worker, id: number): Promise<void> {
    const key = `${id}:${worker.id}`;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(key);
        resolve();
      };
      const timer = setTimeout(done, this.collectTimeoutMs);
      this.waiting.set(key, done);
      // a closed channel means the worker is exiting: retire() follows
      sendTo(worker, { type: 'digit-serve:collect', id }, done);
    });
  }
}
