/** Start the service: read the environment, build the app, listen, and shut down cleanly on signals. */
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { WeightsError } from './model/weights/types.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await buildApp(config);
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
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
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  await app.listen({ port: config.PORT, host: config.HOST });
}

main().catch((err: unknown) => {
  // configuration and weights problems are the operator's to fix: one clear line, no stack trace
  if (err instanceof ConfigError || err instanceof WeightsError) {
    console.error(`digit-serve: ${err.message}`);
  } else {
    console.error('digit-serve: failed to start:', err);
  }
  process.exit(1);
});
