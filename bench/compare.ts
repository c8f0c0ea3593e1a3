/**
 * Our service against its peers, side by side in one run, on loopback: the same wrk load for
 * each scenario and concurrency on
 * - ours as the README starts it (`node dist/server.js` on its defaults: one worker per CPU,
 *   the shipped weights, LOG_LEVEL info) and ours with one worker;
 * - the Go peer (../shared/bench-peer/go: Go's standard library alone, GOMAXPROCS=2), built
 *   with Debian's golang-go into artifacts/bench/ when it is not built yet;
 * - the Python peer (../shared/bench-peer: FastAPI + uvicorn + Pillow + numpy), two workers,
 *   with and without OPENBLAS_NUM_THREADS=1, the better of them its figure;
 * - the ceiling: a bare Fastify + @fastify/multipart route that reads the upload and answers
 *   ten constants (bench/lib/upload-ceiling.ts), the most one Node process does for this shape.
 * Prints requests/s (and images/s for batches), p50 and p99 for every server, then per
 * scenario and concurrency the ratios ours/Go, ours/Python and ours-1-worker/ceiling, and ours
 * against the Python peer's best round: uvicorn's two workers accept from one socket, and when
 * one of them takes all of wrk's connections (opened at once) the peer runs at one worker's
 * speed for that round, so its median can be half its capacity (docs/BENCHMARKS.md).
 *
 *   npm run bench:compare -- [--seconds 8] [--rounds 3] [--connections 16,64] [--scenarios png,jpeg,batch] [--sides ours,go,python,ceiling]
 *
 * Every server runs for the whole bench; each point is measured on every server back to back
 * and repeated `--rounds` times, and the tables give medians: this machine's speed drifts by
 * tens of percent over minutes, which a one-server-at-a-time run mistakes for differences.
 *
 * Needs: wrk, golang-go, and the Python peer's Debian packages (../shared/bench-peer/README.md).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, REPO, waitReady } from './lib/child-server.js';
import { median } from './lib/median.js';
import { scenarios, SHARED_DATA as SHARED, type Scenario } from './lib/scenarios.js';
import { wrk, type WrkResult } from './lib/wrk.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '16,64' },
    scenarios: { type: 'string', default: 'png,jpeg,batch' },
    sides: { type: 'string', default: 'ours,go,python,ceiling' },
    rounds: { type: 'string', default: '3' },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const CONNECTIONS = values.connections.split(',').map(Number);
const work = mkdtempSync(join(tmpdir(), 'bench-compare-'));

type Side = 'ours' | 'ours-1w' | 'go' | 'python' | 'ceiling';

interface Server {
  name: string;
  side: Side;
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
const python = (blasThreads?: string): Server => ({
  name: `python 2w${blasThreads ? ` blas=${blasThreads}` : ''}`,
  side: 'python',
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
        '2',
        '--no-access-log',
      ],
      { env: peerEnv(blasThreads), stdio: 'ignore' },
    ),
});
/** `workers` undefined: as the README starts it, on every default */
const ours = (workers?: number): Server => ({
  name: workers === undefined ? 'ours (README)' : `ours ${workers}w`,
  side: workers === undefined ? 'ours' : 'ours-1w',
  readyPath: '/health/ready',
  start: (port) =>
    spawn(process.execPath, ['dist/server.js'], {
      cwd: REPO,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...(workers === undefined ? {} : { WORKERS: String(workers) }) },
      stdio: 'ignore',
    }),
});
const GO_PEER = join(SHARED, '../bench-peer/go');
const go: Server = {
  name: 'go 2 procs',
  side: 'go',
  readyPath: '/docs',
  start: (port) => {
    const binary = join(REPO, 'artifacts/bench/gopeer');
    if (!existsSync(binary)) {
      mkdirSync(join(REPO, 'artifacts/bench'), { recursive: true });
      execFileSync('go', ['build', '-o', binary, '.'], { cwd: GO_PEER, env: { ...process.env, GOFLAGS: '-mod=mod' }, stdio: 'inherit' });
    }
    return spawn(binary, ['-port', String(port), '-weights', join(GO_PEER, 'sample_weight.f32')], {
      env: { ...process.env, GOMAXPROCS: '2' },
      stdio: 'ignore',
    });
  },
};
const ceiling: Server = {
  name: 'ceiling 1 proc',
  side: 'ceiling',
  readyPath: '/ready',
  start: (port) =>
    spawn(process.execPath, ['--import', 'tsx', 'bench/lib/upload-ceiling.ts'], {
      cwd: REPO,
      env: { ...process.env, PORT: String(port) },
      stdio: 'ignore',
    }),
};

const wanted = values.sides.split(',');
const SERVERS: Server[] = [
  ...(wanted.includes('ours') ? [ours(), ours(1)] : []),
  ...(wanted.includes('go') ? [go] : []),
  ...(wanted.includes('python') ? [python(), python('1')] : []),
  ...(wanted.includes('ceiling') ? [ceiling] : []),
];

interface Running {
  readonly server: Server;
  readonly url: string;
  readonly child: ChildProcess;
}

interface Point {
  readonly server: string;
  readonly side: Side;
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
  console.log('\nratios of medians measured in this run (images/s; the best configuration of a side):');
  console.log(
    '| scenario | c | ours | ours 1w | Go | Python | ceiling | ours/Go | ours/Python | ours/Python best round | 1w/ceiling | p99 ours / Go ms |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of list) {
    for (const c of CONNECTIONS) {
      const best = (side: Side) =>
        points.filter((x) => x.side === side && x.scenario === s.name && x.c === c).sort((a, b) => b.imagesPerSec - a.imagesPerSec)[0];
      const [o, one, g, p, top] = (['ours', 'ours-1w', 'go', 'python', 'ceiling'] as const).map(best);
      const n = (x: Point | undefined) => (x ? x.imagesPerSec.toFixed(0) : '–');
      const ratio = (a: Point | undefined, b: Point | undefined) => (a && b ? `${(a.imagesPerSec / b.imagesPerSec).toFixed(2)}x` : '–');
      const p99 = o && g ? `${o.p99Ms.toFixed(1)} / ${g.p99Ms.toFixed(1)}` : '–';
      const pythonRounds = points
        .filter((x) => x.side === 'python' && x.scenario === s.name && x.c === c)
        .flatMap((x) => x.rounds.map((r) => r.okPerSec * s.imagesPerRequest));
      const pythonBest = pythonRounds.length && o ? `${(o.imagesPerSec / Math.max(...pythonRounds)).toFixed(2)}x` : '–';
      console.log(
        `| ${s.name} | ${c} | ${n(o)} | ${n(one)} | ${n(g)} | ${n(p)} | ${n(top)} | ${ratio(o, g)} | ${ratio(o, p)} | ${pythonBest} | ${ratio(one, top)} | ${p99} |`,
      );
    }
  }
  mkdirSync(join(REPO, 'artifacts/bench'), { recursive: true });
  writeFileSync(
    join(REPO, 'artifacts/bench/compare.json'),
    JSON.stringify({ date: new Date().toISOString(), seconds: SECONDS, rounds: ROUNDS, points }, null, 2),
  );
}

await main();
