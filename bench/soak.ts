/**
 * Soak: does the service hold its memory under minutes of mixed traffic? Starts the real
 * server as a child process, keeps a bounded number of requests in flight for a fixed time
 * with a fixed mix of valid and invalid uploads (the error paths leak as easily as the happy
 * one), samples the child's RSS (/proc/<pid>/status) and JS heap (/metrics) every few seconds,
 * and prints the request count, the status mix, RSS after warm-up / at the end / max, the
 * RSS slope after warm-up and a verdict. Not run in CI; results go to docs/BENCHMARKS.md.
 *
 *   nice -n 5 npm run bench:soak -- --minutes 3
 *
 * Options: --minutes (3), --concurrency (8), --sample-seconds (5), --warmup-seconds (60),
 * --max-slope MB/min of the RSS floor for the "flat" verdict (1), --weights FILE (default: a toy model
 * written to a temporary .safetensors, so the bench needs no data), --seed (1), --workers (1:
 * one server process, the clearest signal; with more, RSS is summed over the process tree).
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
import { startChildServer } from './lib/child-server.js';

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
  },
});
const DURATION_MS = Number(opts.minutes) * 60_000;
const CONCURRENCY = Number(opts.concurrency);
const SAMPLE_MS = Number(opts['sample-seconds']) * 1000;
const WARMUP_MS = Number(opts['warmup-seconds']) * 1000;
const MAX_SLOPE = Number(opts['max-slope']);
const MAX_FILE_BYTES = 200_000;
const FLOOR_WINDOW_MS = 30_000;
const MB = 2 ** 20;

/** The traffic: [weight, name, request]. Invalid ones are a third of it. */
async function trafficMix(): Promise<Array<[number, string, Outgoing]>> {
  const png = fixture('digit-7.png');
  const jpeg = await sharp(png).jpeg({ quality: 90 }).toBuffer();
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
  const server = await startChildServer({ WEIGHTS: weights, MAX_FILE_BYTES: String(MAX_FILE_BYTES), WORKERS: opts.workers! }, logFile);
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

  console.log(
    `soak: pid ${server.pid}, WORKERS=${opts.workers}, ${opts.minutes} min, ${CONCURRENCY} in flight, sample every ${SAMPLE_MS / 1000} s, warm-up ${WARMUP_MS / 1000} s, weights ${weights}`,
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

  const worker = async () => {
    while (performance.now() - started < DURATION_MS) {
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
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  clearInterval(sampler);
  await sample();
  const seconds = (performance.now() - started) / 1000;
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
  const flat = floorSlope <= MAX_SLOPE;
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
  console.log(`  verdict         ${flat ? 'flat' : 'NOT flat'} (RSS floor slope threshold ${MAX_SLOPE} MB/min)`);
  process.exitCode = flat ? 0 : 1;
}

await main();
