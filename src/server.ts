/**
 * Start the service: read the environment, then either serve in this process or, with more
 * than one worker, supervise worker processes that share the listening port (node:cluster).
 * Only this file and the supervisor it starts listen, fork or exit.
 */
import cluster from 'node:cluster';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { WorkerLink } from './cluster/worker-link.js';
import { loadConfig, type Config } from './config.js';
import { availableCpus } from './cpus.js';
import { scanRepositoryToStart } from './models/repository.js';
import { loadWeights } from './model/weights/load.js';
import { describeStartupFailure } from './startup-failure.js';
import { superviseWorkers } from './supervisor.js';

/**
 * A signal while the service is still starting (the primary checking the weights, a worker
 * building its app): nothing in flight, nothing to drain, so exit 0. Installed before anything
 * slow, so no signal meets the default action; the caller removes it once its own handlers are on.
 */
const exitWhileStarting = () => process.exit(0);
/** SIGHUP asks to look at the model repository again: while starting, it is being read anyway */
const ignoreWhileStarting = () => {};
function exitOnSignalsWhileStarting(on: boolean): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    if (on) process.on(signal, exitWhileStarting);
    else process.off(signal, exitWhileStarting);
  }
  if (on) process.on('SIGHUP', ignoreWhileStarting);
  else process.off('SIGHUP', ignoreWhileStarting);
}

async function serve(config: Config, link: WorkerLink | undefined): Promise<void> {
  // imported here: a cluster's primary never serves, and stays small without the app's modules
  const { buildApp, stopBeingReady } = await import('./app.js');
  const app = await buildApp(config, { cluster: link });

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
  // as TF Serving's file-system polling, at once: new, changed and removed versions
  process.on('SIGHUP', () => {
    if (!app.modelRepository) return app.log.warn('SIGHUP: no MODEL_REPOSITORY to look at again; WEIGHTS is read once, at start');
    app.log.info('SIGHUP: looking at the model repository again');
    void app.modelRepository.sync();
  });
  exitOnSignalsWhileStarting(false);
  await app.listen({ port: config.PORT, host: config.HOST });
}

/** Listen on HOST:PORT and let go at once: the primary's early check that the workers will be able to. */
async function checkCanListen({ HOST, PORT }: Config): Promise<void> {
  if (PORT === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ port: PORT, host: HOST, exclusive: true }, resolve);
  });
  await new Promise((resolve) => probe.close(resolve));
}

/** The primary's own log lines, in the workers' format and at the same level. */
function primaryLogger(config: Config) {
  return pino({ level: config.LOG_LEVEL, base: { pid: process.pid, role: 'primary' } }, pino.destination({ sync: true }));
}

const printFailure = (line: string) => console.error(`digit-serve: ${line}`);

/**
 * Start-up failed: one line for the operator, exit 1. A worker hands its line to the primary,
 * which prints the first one and stops the others, so N workers failing alike print it once.
 */
async function fail(err: unknown, config: Config | undefined, link: WorkerLink | undefined): Promise<never> {
  const debug = config?.LOG_LEVEL === 'debug' || config?.LOG_LEVEL === 'trace';
  const line = describeStartupFailure(err, config, debug);
  if (link) await link.reportFailure(line).catch(() => printFailure(line));
  else printFailure(line);
  process.exit(1);
}

let config: Config | undefined;
const link = cluster.isWorker ? new WorkerLink(cluster.worker!.id) : undefined;
exitOnSignalsWhileStarting(true);
try {
  config = loadConfig();
  const workers = config.WORKERS === 0 ? availableCpus() : config.WORKERS;
  if (cluster.isPrimary && workers > 1) {
    // the primary only supervises; checking the weights and the address here first fails in a
    // moment, before the workers load the model (a worker's own failure is still caught). A
    // repository is only looked into: a bad version in it is refused by the workers, not fatal
    if (config.MODEL_REPOSITORY) await scanRepositoryToStart(config.MODEL_REPOSITORY);
    else await loadWeights(config.WEIGHTS);
    await checkCanListen(config);
    superviseWorkers({ workers, graceMs: config.SHUTDOWN_GRACE_MS, log: primaryLogger(config), printFailure });
    exitOnSignalsWhileStarting(false);
  } else {
    await serve(config, link);
  }
} catch (err) {
  await fail(err, config, link);
}
