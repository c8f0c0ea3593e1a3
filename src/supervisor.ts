/**
 * The cluster primary: fork the workers, replace one that dies unexpectedly (not more often
 * than once a second, so a worker that cannot start does not spin), and on SIGTERM/SIGINT pass
 * the signal on, wait for every worker to finish its in-flight requests, and exit 0.
 */
import cluster, { type Worker } from 'node:cluster';

const RESPAWN_DELAY_MS = 1_000;

export function superviseWorkers(count: number, graceMs: number): void {
  let stopping = false;
  let cleanStop = true;
  const log = (msg: string, extra: Record<string, unknown> = {}) =>
    console.log(JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, role: 'primary', msg, ...extra }));

  const fork = (): Worker => cluster.fork();
  for (let i = 0; i < count; i++) fork();
  log('workers started', { workers: count });

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      cleanStop &&= code === 0;
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        log('all workers stopped', { clean: cleanStop });
        process.exit(cleanStop ? 0 : 1);
      }
      return;
    }
    log('worker died; starting another', { worker: worker.process.pid, code, signal });
    setTimeout(fork, RESPAWN_DELAY_MS);
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log('stopping workers', { signal });
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    // the workers bound their own shutdown by the same grace; this only guards against a stuck one
    setTimeout(() => {
      log('workers did not stop in time; exiting');
      process.exit(1);
    }, graceMs + 2_000).unref();
  };
  // `on`, not `once`: Ctrl-C signals the primary and every worker at once, and the primary then
  // passes it on; a second signal must not fall through to the default handler and kill the drain
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
