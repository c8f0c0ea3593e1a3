/**
 * Our service against the Python peer (../shared/bench-peer: FastAPI + uvicorn + Pillow + numpy),
 * side by side in one run, on loopback: the same wrk load for each scenario and concurrency.
 * Prints requests/s (and images/s for batches), p50 and p99 for every
 * configuration, then ours (best) / peer (best) per scenario.
 *
 *   npm run bench:compare -- [--seconds 10] [--rounds 3] [--connections 1,16,64] [--peer-configs all] [--our-workers 2,1] [--scenarios png,jpeg,batch] [--sides ours,peer]
 *
 * Every server runs for the whole bench; each point is measured on every server back to back
 * and repeated `--rounds` times, and the tables give medians: this machine's speed drifts by
 * tens of percent over minutes, which a one-server-at-a-time run mistakes for differences.
 *
 * Needs: wrk, and the peer's Debian packages (see ../shared/bench-peer/README.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, REPO, waitReady } from './lib/child-server.js';
import { median } from './lib/median.js';
import { scenarios, SHARED_DATA as SHARED, type Scenario } from './lib/scenarios.js';
import { wrk, type WrkResult } from './lib/wrk.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '1,16,64' },
    'peer-configs': { type: 'string', default: 'best' },
    scenarios: { type: 'string', default: 'png,jpeg,batch' },
    sides: { type: 'string', default: 'ours,peer' },
    rounds: { type: 'string', default: '3' },
    'our-workers': { type: 'string', default: '2,1' },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const CONNECTIONS = values.connections.split(',').map(Number);
const work = mkdtempSync(join(tmpdir(), 'bench-compare-'));

interface Server {
  name: string;
  side: 'ours' | 'peer';
  start(port: number): ChildProcess;
  readyPath: string;
}

const peerEnv = (blasThreads?: string) => {
  const env: NodeJS.ProcessEnv = { ...process.env, ANCHOR_DATA: SHARED };
  // these pin old OpenBLAS kernels on some processors and slow a current numpy (see the env notes)
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (blasThreads) env.OPENBLAS_NUM_THREADS = blasThreads;
  return env;
};
const peer = (workers: number, blasThreads?: string): Server => ({
  name: `peer ${workers}w${blasThreads ? ` blas=${blasThreads}` : ''}`,
  side: 'peer',
  readyPath: '/openapi.json',
  start: (port) =>
    spawn(
      '/usr/bin/python3',
      [
        '-m',
        'uvicorn',
        'app:app',
        '--app-dir',
        join(SHARED, '../bench-peer'),
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--workers',
        String(workers),
        '--no-access-log',
      ],
      { env: peerEnv(blasThreads), stdio: 'ignore' },
    ),
});
const ours = (workers: number): Server => ({
  name: `ours ${workers}w`,
  side: 'ours',
  readyPath: '/health/ready',
  start: (port) =>
    spawn(process.execPath, ['dist/server.js'], {
      cwd: REPO,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        WORKERS: String(workers),
        LOG_LEVEL: 'warn',
        WEIGHTS: join(SHARED, 'dlfs/sample_weight.pkl'),
      },
      stdio: 'ignore',
    }),
});

const SERVERS: Server[] = [
  ...values['our-workers'].split(',').map((w) => ours(Number(w))),
  ...(values['peer-configs'] === 'all' ? [peer(1), peer(1, '1'), peer(2), peer(2, '1')] : [peer(2), peer(2, '1')]),
].filter((s) => values.sides.split(',').includes(s.side));

interface Running {
  readonly server: Server;
  readonly url: string;
  readonly child: ChildProcess;
}

interface Point {
  readonly server: string;
  readonly side: string;
  readonly scenario: string;
  readonly c: number;
  readonly rounds: WrkResult[];
  /** medians over the rounds */
  readonly imagesPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

async function main(): Promise<void> {
  const list = await scenarios(values.scenarios, work);
  // every server up at once (an idle one costs no CPU), so each point is measured on all
  // sides back to back: the machine's drift over minutes then hits every side alike
  const running: Running[] = [];
  try {
    for (const server of SERVERS) {
      const port = await freePort();
      const child = server.start(port);
      running.push({ server, url: `http://127.0.0.1:${port}`, child });
      await waitReady(`http://127.0.0.1:${port}`, server.readyPath, child);
    }
    const rounds = new Map<string, WrkResult[]>();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const s of list) {
        for (const { url } of running) await wrk(`${url}${s.path}`, s.bodyFile, s.contentType, 8, 2, work); // warm-up
        for (const c of CONNECTIONS) {
          for (const { server, url } of running) {
            const r = await wrk(`${url}${s.path}`, s.bodyFile, s.contentType, c, SECONDS, work);
            const key = `${server.name}|${s.name}|${c}`;
            rounds.set(key, [...(rounds.get(key) ?? []), r]);
            const bad = r.non2xx || r.errors ? `  (!) ${r.non2xx} non-2xx, ${r.errors} socket errors` : '';
            console.log(
              `round ${round} ${server.name.padEnd(16)} ${s.name.padEnd(6)} c=${String(c).padEnd(3)} ${r.requestsPerSec.toFixed(0).padStart(7)} req/s ${(r.okPerSec * s.imagesPerRequest).toFixed(0).padStart(8)} img/s  p50 ${r.p50Ms.toFixed(2).padStart(7)} ms  p99 ${r.p99Ms.toFixed(2).padStart(7)} ms${bad}`,
            );
          }
        }
      }
    }
    const points: Point[] = [];
    for (const { server } of running) {
      for (const s of list) {
        for (const c of CONNECTIONS) {
          const rs = rounds.get(`${server.name}|${s.name}|${c}`)!;
          points.push({
            server: server.name,
            side: server.side,
            scenario: s.name,
            c,
            rounds: rs,
            imagesPerSec: median(rs.map((r) => r.okPerSec * s.imagesPerRequest)),
            p50Ms: median(rs.map((r) => r.p50Ms)),
            p99Ms: median(rs.map((r) => r.p99Ms)),
          });
        }
      }
    }
    report(list, points);
  } finally {
    for (const { child } of running) child.kill('SIGTERM');
    await Promise.all(running.map(({ child }) => (child.exitCode === null ? new Promise((r) => child.once('exit', r)) : null)));
  }
}

function report(list: Scenario[], points: Point[]): void {
  console.log(`\nmedians of ${ROUNDS} rounds, ${SECONDS} s each:`);
  console.log('| server | scenario | c | images/s | p50 ms | p99 ms |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const p of points) {
    console.log(`| ${p.server} | ${p.scenario} | ${p.c} | ${p.imagesPerSec.toFixed(0)} | ${p.p50Ms.toFixed(2)} | ${p.p99Ms.toFixed(2)} |`);
  }
  if (values.sides.includes('peer') && values.sides.includes('ours')) {
    // the peer's two uvicorn workers share connections unevenly from run to run, so its rounds
    // come in two levels about 2x apart: the last column holds ours against its fastest round
    console.log('\nours (best configuration) / peer (best configuration), medians measured in this run:');
    console.log('| scenario | c | ours best | img/s | p99 ms | peer best | img/s | p99 ms | ratio | peer fastest round | ratio to it |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const s of list) {
      for (const c of CONNECTIONS) {
        const best = (side: string) =>
          points.filter((x) => x.side === side && x.scenario === s.name && x.c === c).sort((a, b) => b.imagesPerSec - a.imagesPerSec)[0]!;
        const o = best('ours');
        const p = best('peer');
        const fastest = Math.max(
          ...points
            .filter((x) => x.side === 'peer' && x.scenario === s.name && x.c === c)
            .flatMap((x) => x.rounds.map((r) => r.okPerSec * s.imagesPerRequest)),
        );
        console.log(
          `| ${s.name} | ${c} | ${o.server} | ${o.imagesPerSec.toFixed(0)} | ${o.p99Ms.toFixed(2)} | ${p.server} | ${p.imagesPerSec.toFixed(0)} | ${p.p99Ms.toFixed(2)} | ${(o.imagesPerSec / p.imagesPerSec).toFixed(2)}x | ${fastest.toFixed(0)} | ${(o.imagesPerSec / fastest).toFixed(2)}x |`,
        );
      }
    }
  }
  mkdirSync(join(REPO, 'artifacts/bench'), { recursive: true });
  writeFileSync(
    join(REPO, 'artifacts/bench/compare.json'),
    JSON.stringify({ date: new Date().toISOString(), seconds: SECONDS, rounds: ROUNDS, points }, null, 2),
  );
}

await main();
