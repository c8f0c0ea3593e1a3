/**
 * Uploads that cost more than they weigh: tiny files declaring many pixels (a blank PNG strip,
 * a blank GIF) that libvips must decode whole, four at once, while ordinary clients keep
 * sending digits, canvas drawings and phone photos at a steady rate. Starts the real server as
 * a child process (one worker, default settings), runs the ordinary traffic alone, then once
 * per hostile file with rounds of four hostile requests on top (at least --rounds of them,
 * and for at least as long as the traffic ran alone), and prints the hostile answers and
 * times, the ordinary requests' p50 / p99 / max by kind (alone, and during each attack) and
 * the server's peak RSS. Not run in CI; results go to docs/BENCHMARKS.md.
 *
 *   nice -n 5 npm run bench:uploads
 *   nice -n 5 npm run bench:uploads -- --env MALLOC_ARENA_MAX=2    # as the Docker image runs it
 *
 * The hostile files: the two of the adversarial probe (a 40000 x 1000 RGBA PNG read with
 * preprocess=plain, a 6000 x 6000 GIF), and the largest ones the settings let through: the
 * longest strip (--max-aspect : 1, --max-pixels in all) as a plain PNG, the largest square
 * GIF, and a batch of eight such GIFs.
 *
 * Options: --seconds of ordinary traffic alone and at least under each attack (10), --rounds
 * of four hostile requests per file at least (2), --rate of ordinary requests per second (25),
 * --max-pixels and --max-aspect of the largest files allowed (default: the service's defaults),
 * --env KEY=VALUE for the server (repeatable), --files: which of the five above to send
 * (probe-png,probe-gif,strip,square,batch, the default). Peak RSS is the server's resident set, which
 * glibc does not give back between phases: a phase's peak includes what earlier ones left.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadConfig } from '../src/config.js';
import { saveWeights } from '../src/model/weights/load.js';
import { toyDigitModel } from '../test/support/models.js';
import { fixture } from '../test/hostile/support/fixtures.js';
import { isAnswer, multipart, send, type Answer, type Failure, type Outgoing } from '../test/hostile/support/http.js';
import { startChildServer, type ChildServer } from './lib/child-server.js';
import { photoJpeg } from './lib/pictures.js';

const defaults = loadConfig({});
const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    rate: { type: 'string', default: '25' },
    'max-pixels': { type: 'string', default: String(defaults.MAX_INPUT_PIXELS) },
    'max-aspect': { type: 'string', default: String(defaults.MAX_ASPECT_RATIO) },
    env: { type: 'string', multiple: true, default: [] },
    files: { type: 'string', default: 'probe-png,probe-gif,strip,square,batch' },
  },
});
const ROUNDS = Number(opts.rounds);
const PHASE_MS = Number(opts.seconds) * 1000;
const MB = 2 ** 20;

const percentile = (xs: readonly number[], p: number) => {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const ms = (x: number) => (Number.isNaN(x) ? '-' : `${x.toFixed(0)} ms`);
const raw = (body: Buffer, type: string, path = '/predict'): Outgoing => ({ path, headers: { 'content-type': type }, body });
const outcome = (r: Answer | Failure) => (isAnswer(r) ? (r.status === 200 ? '200' : `${r.status} ${codeOf(r)}`) : r.error);
function codeOf(r: Answer): string {
  try {
    return String((JSON.parse(r.body.toString('utf8')) as { code?: unknown }).code);
  } catch {
    return '?';
  }
}

/** A blank picture of `channels` (white, opaque) in `format`: the smallest file that declares these pixels. */
const blank = (width: number, height: number, channels: 3 | 4, format: 'png' | 'gif') =>
  sharp({ create: { width, height, channels, background: { r: 255, g: 255, b: 255, alpha: 1 } } })
    .toFormat(format, format === 'png' ? { compressionLevel: 9 } : {})
    .toBuffer();

interface Kind {
  readonly name: string;
  readonly request: Outgoing;
}

/** The ordinary traffic: one request of the pattern every 1/rate s; a phone photo every tenth. */
async function ordinaryKinds(): Promise<Kind[]> {
  const digit = fixture('digit-7.png');
  const grey = await sharp(digit).resize(280, 280).extractChannel(0).raw().toBuffer();
  // a canvas drawing: black ink whose alpha is the stroke, on a transparent background
  const rgba = Buffer.alloc(280 * 280 * 4);
  for (let i = 0; i < grey.length; i++) rgba[i * 4 + 3] = grey[i]!;
  const canvas = await sharp(rgba, { raw: { width: 280, height: 280, channels: 4 } })
    .png()
    .toBuffer();
  const mnist = await sharp(digit).extractChannel(0).raw().toBuffer();
  const photo = await sharp(await photoJpeg(mnist))
    .resize(4032, 3024, { fit: 'fill' })
    .jpeg({ quality: 85 })
    .toBuffer();
  const d: Kind = { name: 'digit 28x28 PNG', request: raw(digit, 'image/png') };
  const c: Kind = { name: 'canvas 280x280 PNG', request: raw(canvas, 'image/png') };
  const p: Kind = { name: `photo 4032x3024 JPEG (${(photo.length / 1024).toFixed(0)} KB)`, request: raw(photo, 'image/jpeg') };
  return [d, c, d, c, d, c, d, c, d, p];
}

interface Hostile {
  /** for --files */
  readonly key: string;
  readonly name: string;
  readonly request: Outgoing;
}

async function hostileFiles(maxPixels: number, maxAspect: number): Promise<Hostile[]> {
  const probePng = await blank(40_000, 1_000, 4, 'png');
  const probeGif = await blank(6_000, 6_000, 3, 'gif');
  const stripHeight = Math.floor(Math.sqrt(maxPixels / maxAspect));
  const stripWidth = Math.min(maxAspect * stripHeight, Math.floor(maxPixels / stripHeight));
  const strip = await blank(stripWidth, stripHeight, 4, 'png');
  const side = Math.floor(Math.sqrt(maxPixels));
  const square = await blank(side, side, 3, 'gif');
  const batch = multipart(Array.from({ length: 8 }, (_, i) => ({ name: 'images', filename: `${i}.gif`, data: square })));
  const kb = (b: Buffer) => `${(b.length / 1024).toFixed(0)} KB`;
  return [
    {
      key: 'probe-png',
      name: `probe PNG 40000x1000 RGBA (${kb(probePng)}), plain`,
      request: raw(probePng, 'image/png', '/predict?preprocess=plain'),
    },
    { key: 'probe-gif', name: `probe GIF 6000x6000 (${kb(probeGif)})`, request: raw(probeGif, 'image/gif') },
    {
      key: 'strip',
      name: `longest strip allowed: PNG ${stripWidth}x${stripHeight} RGBA (${kb(strip)}), plain`,
      request: raw(strip, 'image/png', '/predict?preprocess=plain'),
    },
    { key: 'square', name: `largest square allowed: GIF ${side}x${side} (${kb(square)})`, request: raw(square, 'image/gif') },
    { key: 'batch', name: `batch of 8 of those GIFs (${kb(batch.body)})`, request: raw(batch.body, batch.contentType, '/predict/batch') },
  ];
}

/** Ordinary requests sent at a steady rate (open loop: a slow answer does not delay the next request) until stop(). */
function ordinaryTraffic(server: ChildServer, kinds: readonly Kind[], rate: number) {
  const latencies = new Map<string, number[]>(kinds.map((k) => [k.name, []]));
  const failures = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let next = 0;
  const timer = setInterval(() => {
    const kind = kinds[next++ % kinds.length]!;
    const p = send(server.url, { ...kind.request, timeoutMs: 120_000 }).then((r) => {
      if (r.status === 200) latencies.get(kind.name)!.push(r.ms);
      else failures.set(`${kind.name}: ${outcome(r)}`, (failures.get(`${kind.name}: ${outcome(r)}`) ?? 0) + 1);
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }, 1000 / rate);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      return { latencies, failures };
    },
  };
}

/** Peak RSS of the server's process tree while `during` runs, sampled every 20 ms. */
async function peakRss<T>(server: ChildServer, during: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = server.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, server.rss())), 20);
  try {
    const result = await during();
    return { result, peak: Math.max(peak, server.rss()) };
  } finally {
    clearInterval(sampler);
  }
}

function printOrdinary(latencies: Map<string, number[]>, failures: Map<string, number>): void {
  for (const [name, xs] of latencies) {
    console.log(
      `    ${name.padEnd(34)} n ${String(xs.length).padStart(4)}  p50 ${ms(percentile(xs, 50)).padStart(8)}  p99 ${ms(percentile(xs, 99)).padStart(8)}  max ${ms(percentile(xs, 100)).padStart(8)}`,
    );
  }
  for (const [what, n] of failures) console.log(`    not 200: ${what} x ${n}`);
}

async function main(): Promise<void> {
  const maxPixels = Number(opts['max-pixels']);
  const maxAspect = Number(opts['max-aspect']);
  const rate = Number(opts.rate);
  const dir = await mkdtemp(join(tmpdir(), 'digit-serve-uploads-'));
  const weights = join(dir, 'toy.safetensors');
  await saveWeights(weights, toyDigitModel().mlp, { name: 'toy' });
  const kinds = await ordinaryKinds();
  const hostiles = await hostileFiles(maxPixels, maxAspect);
  const env = Object.fromEntries(opts.env.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
  const server = await startChildServer({ ...env, WEIGHTS: weights, WORKERS: '1' });
  try {
    console.log(
      `uploads: ${rate} ordinary requests/s; at least ${ROUNDS} rounds of 4 hostile requests at once per file; server pid ${server.pid}${opts.env.length ? `, ${opts.env.join(' ')}` : ''}`,
    );
    // warm-up: every kind once, so the first measured requests do not pay for sharp's start
    for (const k of kinds) await send(server.url, k.request);

    const alone = await peakRss(server, async () => {
      const traffic = ordinaryTraffic(server, kinds, rate);
      await new Promise((r) => setTimeout(r, PHASE_MS));
      return traffic.stop();
    });
    console.log(`\nordinary traffic alone (${opts.seconds} s), peak RSS ${(alone.peak / MB).toFixed(0)} MB`);
    printOrdinary(alone.result.latencies, alone.result.failures);

    for (const hostile of hostiles.filter((h) => opts.files.split(',').includes(h.key))) {
      const attack = await peakRss(server, async () => {
        const traffic = ordinaryTraffic(server, kinds, rate);
        const answers: (Answer | Failure)[] = [];
        const started = performance.now();
        for (let round = 0; round < ROUNDS || performance.now() - started < PHASE_MS; round++) {
          answers.push(
            ...(await Promise.all(Array.from({ length: 4 }, () => send(server.url, { ...hostile.request, timeoutMs: 300_000 })))),
          );
        }
        const seconds = (performance.now() - started) / 1000;
        return { answers, seconds, ...(await traffic.stop()) };
      });
      const { answers, seconds, latencies, failures } = attack.result;
      const outcomes = new Map<string, number>();
      for (const a of answers) outcomes.set(outcome(a), (outcomes.get(outcome(a)) ?? 0) + 1);
      const times = answers.map((a) => a.ms);
      console.log(
        `\n${hostile.name}: ${answers.length / 4} x 4 at once, ${seconds.toFixed(1)} s, peak RSS ${(attack.peak / MB).toFixed(0)} MB`,
      );
      console.log(
        `    hostile answers: ${[...outcomes].map(([k, v]) => `${k} x ${v}`).join(', ')}; time p50 ${ms(percentile(times, 50))}, max ${ms(percentile(times, 100))}`,
      );
      printOrdinary(latencies, failures);
    }
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
