/**
 * Soak: does the service hold its memory under minutes of mixed traffic? Starts the real
 * server as a child process, keeps a bounded number of requests in flight for a fixed time
 * with a fixed mix of valid and invalid uploads (the error paths leak as easily as the happy
 * one) and some large pictures (the decodes whose native allocations fragment the heap),
 * samples the child's RSS (/proc/<pid>/status) and JS heap (/metrics) every few seconds, and
 * prints the request count, the status mix, RSS after warm-up / at the end / max, the RSS
 * slope after warm-up and a verdict. With --rounds N the load runs N times with an idle pause
 * after each, and the verdict is on the idle RSS after each round: a leak or allocator
 * fragmentation raises it round after round, a healthy process levels off. Not run in CI;
 * results go to docs/BENCHMARKS.md.
 *
 *   nice -n 5 npm run bench:soak -- --minutes 3
 *   npm run bench:soak -- --rounds 4 --minutes 2 --image-env       # as the Docker image runs it
 *   npm run bench:soak -- --rounds 4 --minutes 2 --env MALLOC_ARENA_MAX=   # glibc's default arenas
 *
 * Options: --minutes (3) per round, --rounds (1), --idle-seconds (20) after each round,
 * --concurrency (8), --sample-seconds (5), --warmup-seconds (60), --max-slope MB/min of the RSS
 * floor for the "flat" verdict (1), --max-idle-growth MB the idle RSS after later rounds may
 * exceed round 2's for "levels off" (10; needs --rounds 3 or more), --env KEY=VALUE for the server (repeatable; KEY= unsets), --image-env
 * (the runtime stage's ENV of the Dockerfile, e.g. MALLOC_ARENA_MAX), --weights FILE (default:
 * a toy model written to a temporary .safetensors, so the bench needs no data), --seed (1),
 * --workers (1: one server process, the clearest signal; with more, RSS is summed over the
 * process tree).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { saveWeights } from '../src/model/weights/load.js';
import { toyDigitModel } from '../test/support/models.js';
import { fixture, padTo, prng } from '../test/hostile/support/fixtures.js';
import { isAnswer, multipart, send, type Outgoing } from '../test/hostile/support/http.js';
import { REPO, startChildServer } from './lib/child-server.js';

const { values: opts } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '8' },
    'sample-seconds': { type: 'string', default: '5' },
    'warmup-seconds': { type: 'string', default: '60' },
    'max-slope': { type: 'string', default: '1' },
    weights: { type: 'string' },
    seed: { type: 'string', default: '1' },
    workers: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '1' },
    'idle-seconds': { type: 'string', default: '20' },
    'max-idle-growth': { type: 'string', default: '10' },
    env: { type: 'string', multiple: true, default: [] },
    'image-env': { type: 'boolean', default: false },
  },
});
const DURATION_MS = Number(opts.minutes) * 60_000;
const CONCURRENCY = Number(opts.concurrency);
const SAMPLE_MS = Number(opts['sample-seconds']) * 1000;
const WARMUP_MS = Number(opts['warmup-seconds']) * 1000;
const MAX_SLOPE = Number(opts['max-slope']);
const ROUNDS = Number(opts.rounds);
const IDLE_MS = Number(opts['idle-seconds']) * 1000;
const MAX_IDLE_GROWTH = Number(opts['max-idle-growth']);
const MAX_FILE_BYTES = 400_000;
const FLOOR_WINDOW_MS = 30_000;
const MB = 2 ** 20;

/** The traffic: [weight, name, request]. Invalid ones are a third of it. */
async function trafficMix(): Promise<Array<[number, string, Outgoing]>> {
  const png = fixture('digit-7.png');
  const jpeg = await sharp(png).jpeg({ quality: 90 }).toBuffer();
  // a phone-sized photo and a large canvas: decodes that allocate megabytes in libvips' threads
  const photo = await sharp(png).resize(1600, 1200, { fit: 'fill' }).jpeg({ quality: 85 }).toBuffer();
  const largePng = await sharp(png).resize(1500, 1500, { kernel: 'nearest' }).png().toBuffer();
  const raw = (body: Buffer | string, type: string, path = '/predict'): Outgoing => ({ path, headers: { 'content-type': type }, body });
  const form = (parts: Parameters<typeof multipart>[0], path = '/predict'): Outgoing => {
    const m = multipart(parts);
    return raw(m.body, m.contentType, path);
  };
  const pixels = JSON.stringify({ pixels: Array.from({ length: 784 }, (_, i) => (i % 28 === 14 ? 1 : 0)) });
  const truncatedMultipart = form([{ name: 'image', filename: 'd.png', data: png }]);
  return [
    [30, 'png raw', raw(png, 'image/png')],
    [10, 'png multipart', form([{ name: 'image', filename: 'd.png', data: png }])],
    [8, 'jpeg raw', raw(jpeg, 'image/jpeg')],
    [
      8,
      'batch 16 png',
      form(
        Array.from({ length: 16 }, (_, i) => ({ name: 'images', filename: `${i}.png`, data: png })),
        '/predict/batch',
      ),
    ],
    [8, 'json pixels', raw(pixels, 'application/json')],
    [4, 'batch json 8', raw(`{"inputs": [${new Array(8).fill(pixels).join(',')}]}`, 'application/json', '/predict/batch')],
    [2, 'animated gif', raw(fixture('animated.gif'), 'image/gif')],
    [3, 'photo jpeg', raw(photo, 'image/jpeg')],
    [2, 'large png', raw(largePng, 'image/png')],
    // invalid
    [5, 'text as image', form([{ name: 'image', filename: 't.txt', data: fixture('text.txt') }])],
    [4, 'truncated png', raw(fixture('truncated.png'), 'image/png')],
    [3, 'png bomb', raw(fixture('bomb.png'), 'image/png')],
    [3, 'jpeg bomb', form([{ name: 'image', filename: 'b.jpg', data: fixture('bomb.jpg') }])],
    [4, 'NaN json', raw(fixture('nan.json'), 'application/json')],
    [3, 'wrong field', form([{ name: 'file', filename: 'd.png', data: png }])],
    [3, 'oversized file', form([{ name: 'image', filename: 'big.png', data: padTo(png, MAX_FILE_BYTES + 1) }])],
    [3, 'text/plain', raw('seven', 'text/plain')],
    [2, 'random bytes', raw(fixture('random.bin'), 'application/octet-stream')],
    [2, 'cut multipart', { ...truncatedMultipart, body: (truncatedMultipart.body as Buffer).subarray(0, 200) }],
  ];
}

/**
 * The server's environment beyond the bench's own settings: the Dockerfile's runtime ENV with
 * --image-env (the address and port stay the bench's), then each --env KEY=VALUE; `KEY=` takes
 * KEY out of the environment the server inherits.
 */
async function serverEnv(): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  if (opts['image-env']) {
    const dockerfile = await readFile(join(REPO, 'Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    for (const [, line] of runtime.matchAll(/^ENV (.+)$/gm)) {
      for (const pair of line!.trim().split(/\s+/)) {
        const [key, value] = pair.split('=', 2) as [string, string];
        if (key !== 'PORT' && key !== 'HOST') env[key] = value;
      }
    }
  }
  for (const pair of opts.env) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`--env ${pair}: expected KEY=VALUE`);
    const [key, value] = [pair.slice(0, at), pair.slice(at + 1)];
    if (value === '') {
      delete env[key];
      delete process.env[key];
    } else {
      env[key] = value;
    }
  }
  return env;
}

/** The server's MALLOC_ARENA_MAX as its process sees it (/proc/<pid>/environ). */
async function arenasOf(pid: number): Promise<string> {
  const environ = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
  return environ.find((e) => e.startsWith('MALLOC_ARENA_MAX='))?.slice('MALLOC_ARENA_MAX='.length) ?? 'unset (glibc default)';
}

/** Least-squares slope of y against x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'digit-serve-soak-'));
  let weights = opts.weights;
  if (!weights) {
    weights = join(dir, 'toy.safetensors');
    await saveWeights(weights, toyDigitModel().mlp, { name: 'toy' });
  }
  // the server's own log (LOG_LEVEL=warn): counted at the end, not mixed into the samples
  const logFile = join(dir, 'server.log');
  const server = await startChildServer(
    { ...(await serverEnv()), WEIGHTS: weights, MAX_FILE_BYTES: String(MAX_FILE_BYTES), WORKERS: opts.workers! },
    logFile,
  );
  const mix = await trafficMix();
  const totalWeight = mix.reduce((s, [w]) => s + w, 0);
  const random = prng(Number(opts.seed));
  const choose = () => {
    let roll = random() * totalWeight;
    for (const entry of mix) if ((roll -= entry[0]) < 0) return entry;
    return mix[0]!;
  };
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const statuses = new Map<string, number>();
  const byKind = new Map<string, Map<string, number>>();
  let done = 0;

  const arenas = await arenasOf(server.pid);
  console.log(
    `soak: pid ${server.pid}, WORKERS=${opts.workers}, ${ROUNDS} x ${opts.minutes} min, ${CONCURRENCY} in flight, sample every ${SAMPLE_MS / 1000} s, warm-up ${WARMUP_MS / 1000} s, weights ${weights}, MALLOC_ARENA_MAX=${arenas}`,
  );
  const started = performance.now();
  const samples: Array<{ t: number; rss: number; heap: number; done: number }> = [];
  const sample = async () => {
    const t = performance.now() - started;
    samples.push({ t, rss: server.rss(), heap: await server.metric('nodejs_heap_size_used_bytes'), done });
    const s = samples.at(-1)!;
    console.log(
      `  t=${(t / 1000).toFixed(0).padStart(4)} s  rss ${(s.rss / MB).toFixed(1)} MB  heap ${(s.heap / MB).toFixed(1)} MB  requests ${done}`,
    );
  };
  await sample();
  const sampler = setInterval(() => void sample(), SAMPLE_MS);

  const worker = async (roundStarted: number) => {
    while (performance.now() - roundStarted < DURATION_MS) {
      const [, kind, request] = choose();
      const r = await send(server.url, { ...request, agent, timeoutMs: 30_000 });
      const key = isAnswer(r) ? String(r.status) : `error ${r.error}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      const k = byKind.get(kind) ?? new Map<string, number>();
      k.set(key, (k.get(key) ?? 0) + 1);
      byKind.set(kind, k);
      done++;
    }
  };
  let loadMs = 0;
  /** the lowest RSS of each idle pause: what the process keeps once the load has gone */
  const idleRss: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const roundStarted = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, () => worker(roundStarted)));
    loadMs += performance.now() - roundStarted;
    if (ROUNDS === 1) break;
    const idle: number[] = [];
    for (const idleStarted = performance.now(); performance.now() - idleStarted < IDLE_MS;) {
      await new Promise((r) => setTimeout(r, 1_000));
      idle.push(server.rss());
    }
    idleRss.push(Math.min(...idle) / MB);
    console.log(`  round ${round} done: idle RSS ${idleRss.at(-1)!.toFixed(1)} MB`);
  }
  clearInterval(sampler);
  await sample();
  const seconds = loadMs / 1000;
  agent.destroy();
  const exitCode = await server.stop();
  const logLines = (await readFile(logFile, 'utf8')).split('\n').filter(Boolean);
  const logged = new Map<string, number>();
  for (const line of logLines) {
    let key = 'non-JSON line';
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      key = `level ${entry.level} ${entry.msg}${entry.err?.message ? `: ${entry.err.message}` : ''}`;
    } catch {
      // counted as non-JSON
    }
    logged.set(key, (logged.get(key) ?? 0) + 1);
  }
  await rm(dir, { recursive: true, force: true });

  const afterWarmup = samples.filter((s) => s.t >= WARMUP_MS);
  const rssSlope = slope(afterWarmup.map((s) => [s.t / 60_000, s.rss / MB]));
  const heapSlope = slope(afterWarmup.map((s) => [s.t / 60_000, s.heap / MB]));
  const first = afterWarmup[0]!;
  const last = samples.at(-1)!;
  const maxRss = Math.max(...samples.map((s) => s.rss));
  // GC and allocator sawtooth move single samples by tens of MB; a leak raises the floor. The
  // verdict fits the lowest RSS of each whole 30 s window after warm-up (the sample taken as the
  // run ends would otherwise make a window of its own, one sample being no floor).
  const floors: Array<[number, number]> = [];
  for (let from = WARMUP_MS; from + FLOOR_WINDOW_MS <= last.t; from += FLOOR_WINDOW_MS) {
    const window = samples.filter((s) => s.t >= from && s.t < from + FLOOR_WINDOW_MS);
    if (window.length) floors.push([(from + FLOOR_WINDOW_MS / 2) / 60_000, Math.min(...window.map((s) => s.rss)) / MB]);
  }
  const floorSlope = floors.length >= 2 ? slope(floors) : NaN;
  // the first load fills what a process keeps anyway (JIT code, pools, caches); from the second
  // round on, a process whose memory is returned has no reason to keep more after each load
  const idleGrowth = idleRss.length >= 3 ? Math.max(...idleRss.slice(1)) - idleRss[1]! : NaN;
  const flat = ROUNDS > 1 ? idleGrowth <= MAX_IDLE_GROWTH : floorSlope <= MAX_SLOPE;
  const mixText = [...statuses]
    .sort()
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  console.log('\nsoak result');
  console.log(`  requests        ${done} in ${seconds.toFixed(0)} s (${(done / seconds).toFixed(0)} req/s), ${CONCURRENCY} in flight`);
  console.log(`  status mix      ${mixText}`);
  for (const [kind, counts] of byKind) console.log(`    ${kind.padEnd(16)} ${[...counts].map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  console.log(`  RSS after warm-up (t=${(first.t / 1000).toFixed(0)} s)  ${(first.rss / MB).toFixed(1)} MB`);
  console.log(`  RSS at end      ${(last.rss / MB).toFixed(1)} MB`);
  console.log(`  RSS max         ${(maxRss / MB).toFixed(1)} MB`);
  console.log(`  RSS slope       ${rssSlope.toFixed(2)} MB/min after warm-up (${afterWarmup.length} samples)`);
  console.log(
    `  RSS floor slope ${floorSlope.toFixed(2)} MB/min (lowest RSS per ${FLOOR_WINDOW_MS / 1000} s window: ${floors.map(([, mb]) => mb.toFixed(1)).join(', ')} MB)`,
  );
  console.log(
    `  heap slope      ${heapSlope.toFixed(2)} MB/min after warm-up (heap used ${(first.heap / MB).toFixed(1)} -> ${(last.heap / MB).toFixed(1)} MB)`,
  );
  console.log(`  server exit     ${exitCode} after SIGTERM`);
  console.log(`  server log      ${logged.size ? [...logged].map(([k, v]) => `${v} x ${k}`).join('; ') : 'nothing at warn or above'}`);
  if (ROUNDS > 1) {
    console.log(`  idle RSS        ${idleRss.map((mb) => mb.toFixed(1)).join(', ')} MB after rounds 1..${ROUNDS}`);
    console.log(
      `  verdict         ${flat ? 'levels off' : 'still growing'} (idle RSS at most ${idleGrowth.toFixed(1)} MB above round 2's; threshold ${MAX_IDLE_GROWTH} MB)`,
    );
  } else {
    console.log(`  verdict         ${flat ? 'flat' : 'NOT flat'} (RSS floor slope threshold ${MAX_SLOPE} MB/min)`);
  }
  process.exitCode = flat ? 0 : 1;
}

await main();
