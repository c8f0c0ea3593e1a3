/**
 * The cluster primary. It forks the workers and serves what must be one for the whole
 * service: the metrics every worker reports (metrics-hub.ts) and the rate limit's counts
 * (rate-windows.ts), both asked for over IPC.
 *
 * A worker that dies before it was ever ready cannot be helped by another try (a port in use,
 * a bad HOST, weights it cannot read): during start-up the primary prints the worker's one
 * line and exits 1; later, a replacement that cannot start is not replaced again. A ready
 * worker that dies is replaced after a delay that doubles with each death in the last minute,
 * up to a cap, so a crash loop slows down instead of spinning.
 *
 * On SIGTERM/SIGINT it passes the signal on, waits for every worker to finish its in-flight
 * requests, and exits 0. SIGHUP it passes on: each worker looks at the model repository again.
 * A model loaded or unloaded through the repository API on one worker, it passes to the others.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { WorkerMessage } from './cluster/messages.js';
import { MetricsHub, WORKER_LABEL } from './cluster/metrics-hub.js';
import { RateWindows } from './cluster/rate-windows.js';
import { sendTo } from './cluster/send.js';

/**
 * The delay before a ready worker that died is replaced: `firstMs`, doubled for every other
 * death in the last `memoryMs`, at most `capMs`.
 */
const BACKOFF = { firstMs: 250, capMs: 30_000, memoryMs: 60_000 } as const;

/** How long the primary waits for the other workers to stop when start-up fails. */
const GIVE_UP_GRACE_MS = 3_000;

export interface SupervisorOptions {
  readonly workers: number;
  readonly graceMs: number;
  readonly log: Logger;
  /** where the one-line reason for a failed start goes */
  readonly printFailure: (line: string) => void;
}

export function superviseWorkers({ workers: count, graceMs, log, printFailure }: SupervisorOptions): void {
  /** workers that have listened, by cluster worker id */
  const ready = new Set<number>();
  /** the one-line reasons workers sent before they exited */
  const failures = new Map<number, string>();
  /** when ready workers died, within BACKOFF.memoryMs */
  const deaths: number[] = [];
  let replacementsDue = 0;
  let started = false;
  /** set once the primary is on its way out: stopped by a signal, or giving up on a failed start */
  let ending: 'stopping' | 'giving up' | undefined;
  let cleanStop = true;
  /** models unloaded through the repository API: a replacement worker is told, as the others were */
  const unloaded = new Set<string>();

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, labels: { [WORKER_LABEL]: 'primary' } });
  new Gauge({
    name: 'digit_serve_workers_ready',
    help: 'Worker processes serving requests',
    registers: [registry],
    collect() {
      this.set(ready.size);
    },
  });
  const exits = new Counter({
    name: 'digit_serve_worker_exits_total',
    help: 'Worker processes that exited unexpectedly, by whether they had been ready',
    labelNames: ['phase'] as const,
    registers: [registry],
  });
  const hub = new MetricsHub(registry);
  const windows = new RateWindows();

  const readyWorkers = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && ready.has(w.id));
  const liveWorkers = () => Object.keys(cluster.workers ?? {}).length + replacementsDue;

  const exitOnceAlone = () => {
    // a worker that has exited stays in cluster.workers until its IPC channel has closed too,
    // which may come after its 'exit' event: counted as gone, or the last exit would find it
    // listed, and the primary would end by running out of work, silently, with code 0
    if (Object.values(cluster.workers ?? {}).some((w) => w !== undefined && !w.isDead())) return;
    if (ending === 'stopping') log.info({ clean: cleanStop }, 'all workers stopped');
    process.exit(ending === 'stopping' && cleanStop ? 0 : 1);
  };

  const giveUp = (line: string) => {
    ending = 'giving up';
    printFailure(line);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    setTimeout(() => process.exit(1), GIVE_UP_GRACE_MS).unref();
    exitOnceAlone();
  };

  cluster.on('message', (worker, raw: unknown) => {
    const parsed = WorkerMessage.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.type) {
      case 'digit-serve:hit':
        sendTo(worker, { type: 'digit-serve:counted', id: message.id, count: windows.hit(message.key, message.windowMs) });
        break;
      case 'digit-serve:scrape':
        hub.scrape(readyWorkers()).then(
          (text) => sendTo(worker, { type: 'digit-serve:scraped', id: message.id, text }),
          (err: unknown) => {
            log.error({ err }, "could not aggregate the workers' metrics");
            sendTo(worker, {
              type: 'digit-serve:scrape-failed',
              id: message.id,
              reason: `the metrics could not be aggregated: ${String(err)}`,
            });
          },
        );
        break;
      case 'digit-serve:collected':
        hub.collected(worker.id, message.id, message.metrics);
        break;
      case 'digit-serve:failed':
        failures.set(worker.id, message.reason);
        break;
      case 'digit-serve:repository':
        if (message.change.action === 'unload') unloaded.add(message.change.model);
        else unloaded.delete(message.change.model);
        for (const other of Object.values(cluster.workers ?? {})) {
          if (other && other.id !== worker.id) sendTo(other, { type: 'digit-serve:repository', change: message.change });
        }
        break;
    }
  });

  // before it builds its app: a worker reads the repository from disk, and a model unloaded
  // through the API must stay unloaded in it too
  cluster.on('online', (worker) => {
    for (const model of unloaded) sendTo(worker, { type: 'digit-serve:repository', change: { action: 'unload', model } });
  });

  cluster.on('listening', (worker) => {
    ready.add(worker.id);
    if (!started && ready.size === count) {
      started = true;
      log.info({ workers: count }, 'all workers ready');
    }
  });

  const replace = (worker: Worker, code: number | null, signal: string | null) => {
    const now = Date.now();
    deaths.push(now);
    while (deaths.length > 0 && deaths[0]! <= now - BACKOFF.memoryMs) deaths.shift();
    const delayMs = Math.min(BACKOFF.capMs, BACKOFF.firstMs * 2 ** (deaths.length - 1));
    log.warn({ worker: worker.process.pid, code, signal, delayMs, recentDeaths: deaths.length }, 'worker died; starting another');
    replacementsDue++;
    setTimeout(() => {
      replacementsDue--;
      if (!ending) cluster.fork();
    }, delayMs);
  };

  cluster.on('exit', (worker, code, signal) => {
    const wasReady = ready.delete(worker.id);
    hub.retire(worker.id);
    if (ending) {
      // a worker still starting has nothing in flight: the signal that ends it ends it cleanly
      cleanStop &&= code === 0 || (!wasReady && signal !== null);
      return exitOnceAlone();
    }
    exits.inc({ phase: wasReady ? 'serving' : 'starting' });
    if (wasReady) return replace(worker, code, signal);
    const reason = failures.get(worker.id) ?? `a worker exited before it was ready (${signal ?? `code ${code}`})`;
    failures.delete(worker.id);
    if (!started || liveWorkers() === 0) return giveUp(reason);
    log.error({ worker: worker.process.pid, reason, serving: ready.size }, 'a replacement worker could not start; not replacing it');
  });

  const stop = (signal: NodeJS.Signals) => {
    if (ending) return;
    ending = 'stopping';
    log.info({ signal }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    exitOnceAlone();
    // the workers bound their own shutdown by the same grace; this only guards against a stuck one
    setTimeout(() => {
      log.error('workers did not stop in time; exiting');
      process.exit(1);
    }, graceMs + 2_000).unref();
  };
  // `on`, not `once`: Ctrl-C signals the primary and every worker at once, and the primary then
  // passes it on; a second signal must not fall through to the default handler and kill the drain
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // every worker keeps its own registry: each looks at the repository again
  process.on('SIGHUP', () => {
    log.info('SIGHUP: every worker looks at the model repository again');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGHUP');
  });

  // only now: a signal that came between the log line and the handlers would find the default
  // action, kill the primary, and leave its workers to die on a closed IPC channel
  for (let i = 0; i < count; i++) cluster.fork();
  log.info({ workers: count }, 'workers started');
}
