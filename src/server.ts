/**
 * Start the service: read the environment, then either serve in this process or, with more
 * than one worker, supervise worker processes that share the listening port (node:cluster).
 * Only this file listens, forks or exits.
 */
import cluster from 'node:cluster';
import { setFlagsFromString } from 'node:v8';
import { buildApp, stopBeingReady } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { availableCpus } from './cpus.js';
import { WeightsError } from './model/weights/types.js';
import { superviseWorkers } from './supervisor.js';

/**
 * V8 allocation-site pretenuring off. When V8 sees the objects of one allocation site survive,
 * it allocates that site's later objects straight in the old generation. With it on, the
 * objects of every multipart request survived the next scavenge and were promoted, dead: about
 * 1.2 MB per scavenge at one connection, pauses of 4 to 12 ms instead of under 2, the p99 of
 * light loads (most likely a pretenured object pointing at the request's young ones; which
 * site was not pinned down). It needs busboy's form-data parser (without the `_read` closure
 * it gives each file stream, lib/types/multipart.js, it is gone) and a process holding some
 * 20 MB of other live objects, as this one does. bench/gc.ts reproduces it on a bare Fastify
 * route and measures the service (docs/BENCHMARKS.md). Set at run time: the collector reads
 * the flag at each collection.
 */
function keepRequestGarbageYoung(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}

async function serve(config: Config): Promise<void> {
  keepRequestGarbageYoung();
  const app = await buildApp(config);
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    // at once, not in app.close()'s hooks: a probe answered from here on says 503
    stopBeingReady(app);
    app.log.info({ signal }, 'shutting down: readiness off, no new connections, finishing in-flight requests');
    // in-flight requests get SHUTDOWN_GRACE_MS to finish; after that the process exits anyway
    setTimeout(() => {
      app.log.error('shutdown grace period over; exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS).unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  };
  // `on`, not `once`: Ctrl-C signals the primary and every worker at once, and the primary then
  // passes it on; a second signal must not fall through to the default handler and kill the drain
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  await app.listen({ port: config.PORT, host: config.HOST });
}

function fail(err: unknown): never {
  // configuration and weights problems are the operator's to fix: one clear line, no stack trace
  if (err instanceof ConfigError || err instanceof WeightsError) {
    console.error(`digit-serve: ${err.message}`);
  } else {
    console.error('digit-serve: failed to start:', err);
  }
  process.exit(1);
}

try {
  const config = loadConfig();
  const workers = config.WORKERS === 0 ? availableCpus() : config.WORKERS;
  if (cluster.isPrimary && workers > 1) {
    // the primary only supervises; checking the weights here first gives one clear error instead of one per worker
    await import('./model/weights/load.js').then(({ loadWeights }) => loadWeights(config.WEIGHTS));
    superviseWorkers(workers, config.SHUTDOWN_GRACE_MS);
  } else {
    await serve(config);
  }
} catch (err) {
  fail(err);
}
