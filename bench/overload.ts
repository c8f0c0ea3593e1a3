/**
 * Overload: what load shedding buys. Starts the real server as a child process three times:
 * with a small decode queue (requests past it are shed with 503 + Retry-After), flooded by
 * clients that retry at once and then by clients that wait the Retry-After they are given;
 * and with a queue too long to ever fill (nothing is shed). Each flood keeps more large
 * images in flight than the server can decode. For each it prints the answered and shed counts, the latency
 * percentiles of each, and how soon after the flood a request is served normally again.
 * Not run in CI (test/hostile/overload.test.ts is the CI check); results go to docs/BENCHMARKS.md.
 *
 *   nice -n 5 npm run bench:overload
 *
 * Options: --seconds per phase (15), --clients in flight (48), --decode-concurrency (2),
 * --queue (8: the shedding phase's DECODE_QUEUE_LIMIT), --side of the square PNG (2000).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { saveWeights } from '../src/model/weights/load.js';
import { toyDigitModel } from '../test/support/models.js';
import { fixture, prng } from '../test/hostile/support/fixtures.js';
import { isAnswer, send, type Outgoing } from '../test/hostile/support/http.js';
import { startChildServer } from './lib/child-server.js';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    clients: { type: 'string', default: '48' },
    'decode-concurrency': { type: 'string', default: '2' },
    queue: { type: 'string', default: '8' },
    side: { type: 'string', default: '2000' },
  },
});
const PHASE_MS = Number(opts.seconds) * 1000;
const CLIENTS = Number(opts.clients);
const jitter = prng(7);

const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const ms = (x: number) => (Number.isNaN(x) ? '-' : `${x.toFixed(0)} ms`);

/** `honourRetryAfter`: a shed client waits Retry-After (times 1 to 2, jittered) before its next request, as a polite client does. */
async function phase(name: string, weights: string, queue: number, request: Outgoing, honourRetryAfter: boolean): Promise<void> {
  const server = await startChildServer({
    WEIGHTS: weights,
    WORKERS: '1',
    MAX_FILE_BYTES: '5000000',
    DECODE_CONCURRENCY: opts['decode-concurrency']!,
    DECODE_QUEUE_LIMIT: String(queue),
    // the decode queue is what is measured: the event-loop guard stays out of the way
    MAX_EVENT_LOOP_DELAY_MS: '0',
  });
  const alone: number[] = [];
  for (let i = 0; i < 5; i++) alone.push((await send(server.url, request)).ms);

  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const ok: number[] = [];
  const shed: number[] = [];
  let missingRetryAfter = 0;
  const other = new Map<string, number>();
  const started = performance.now();
  const client = async () => {
    while (performance.now() - started < PHASE_MS) {
      const r = await send(server.url, { ...request, agent, timeoutMs: 120_000 });
      if (r.status === 200) ok.push(r.ms);
      else if (r.status === 503) {
        shed.push(r.ms);
        const retryAfter = isAnswer(r) ? Number(r.headers['retry-after']) : NaN;
        if (!(retryAfter >= 0)) missingRetryAfter++;
        else if (honourRetryAfter) await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 * (1 + jitter())));
      } else {
        const key = isAnswer(r) ? String(r.status) : r.error;
        other.set(key, (other.get(key) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const floodSeconds = (performance.now() - started) / 1000;
  agent.destroy();

  // recovery: the first request after the flood, and how long until one is served
  const after = performance.now();
  let first = await send(server.url, request);
  while (first.status !== 200 && performance.now() - after < 30_000) first = await send(server.url, request);
  const recoveredMs = performance.now() - after;
  await server.stop();

  console.log(
    `\n${name} (DECODE_CONCURRENCY=${opts['decode-concurrency']}, DECODE_QUEUE_LIMIT=${queue}; shed clients ${honourRetryAfter ? 'wait Retry-After' : 'retry at once'})`,
  );
  console.log(`  one image alone     median ${ms(percentile(alone, 50))}`);
  console.log(`  flood               ${CLIENTS} in flight for ${floodSeconds.toFixed(1)} s`);
  console.log(
    `  answered 200        ${ok.length} (${(ok.length / floodSeconds).toFixed(1)}/s)  p50 ${ms(percentile(ok, 50))}  p95 ${ms(percentile(ok, 95))}  p99 ${ms(percentile(ok, 99))}  max ${ms(Math.max(...ok))}`,
  );
  console.log(
    `  shed 503            ${shed.length}  p50 ${ms(percentile(shed, 50))}  p95 ${ms(percentile(shed, 95))}  p99 ${ms(percentile(shed, 99))}  without Retry-After: ${missingRetryAfter}`,
  );
  console.log(`  anything else       ${other.size ? [...other].map(([k, v]) => `${k}: ${v}`).join(', ') : 'none'}`);
  console.log(`  after the flood     served in ${ms(first.ms)} (${ms(recoveredMs)} until the first 200)`);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'digit-serve-overload-'));
  const weights = join(dir, 'toy.safetensors');
  await saveWeights(weights, toyDigitModel().mlp, { name: 'toy' });
  const side = Number(opts.side);
  const png = await sharp(fixture('digit-7.png')).resize(side, side, { kernel: 'nearest' }).png({ compressionLevel: 9 }).toBuffer();
  const request: Outgoing = { path: '/predict', headers: { 'content-type': 'image/png' }, body: png };
  console.log(`overload: a ${side} x ${side} PNG (${(png.length / 1024).toFixed(0)} KB), ${CLIENTS} clients, ${opts.seconds} s per phase`);
  try {
    await phase('shedding, impolite clients', weights, Number(opts.queue), request, false);
    await phase('shedding, polite clients', weights, Number(opts.queue), request, true);
    await phase('no shedding (a queue that never fills)', weights, 1_000_000, request, false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
