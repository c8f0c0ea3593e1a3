/**
 * Version swaps under load: the service (two workers, as the README starts it) serves a
 * repository while `--clients` keep-alive clients send /predict and /predict/batch as fast as
 * they are answered; every `--every` ms a new version is written in (our weights and the book's
 * in turn), the oldest version's folder is removed, and the primary gets SIGHUP. Counts every
 * answer that is not 200, every batch whose items name more than one version, and each
 * client's answers going back to an older version after a newer one; prints latency
 * percentiles and the resident memory before and after, so versions loaded and freed over and
 * over show whether anything is kept.
 *
 *   npm run bench:swap -- [--seconds 30] [--every 1000] [--clients 16]
 *
 * Needs ../shared/data for the book's weights (else a second copy of ours stands in for it).
 */
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_WEIGHTS } from '../src/config.js';
import { loadWeights } from '../src/model/weights/load.js';
import { mlpToSafetensors } from '../src/model/weights/mlp-safetensors.js';
import { hasSharedData, sharedPath } from '../test/support/shared-data.js';
import { strokePixels } from '../test/support/pixels.js';
import { startChildServer } from './lib/child-server.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    every: { type: 'string', default: '1000' },
    clients: { type: 'string', default: '16' },
  },
});
const [seconds, every, clients] = [Number(values.seconds), Number(values.every), Number(values.clients)];

const work = await mkdtemp(join(tmpdir(), 'bench-swap-'));
const ours = await readFile(DEFAULT_WEIGHTS);
const book = hasSharedData
  ? mlpToSafetensors((await loadWeights(sharedPath('dlfs/sample_weight.pkl'))).mlp, { name: 'dlfs-sample-weight' })
  : ours;
let newest = 0;
let oldest = 1;
const putVersion = async () => {
  newest++;
  const folder = join(work, 'digits', String(newest));
  await mkdir(folder, { recursive: true });
  const file = join(folder, 'model.safetensors');
  await writeFile(`${file}.part`, newest % 2 === 1 ? ours : book);
  await rename(`${file}.part`, file);
};
await putVersion();
await putVersion();

const server = await startChildServer({ MODEL_REPOSITORY: work, MODEL_POLL_INTERVAL_MS: '0', WORKERS: '2', LOG_LEVEL: 'warn' });
const rssBefore = server.rss();
const agent = new Agent({ keepAlive: true, maxSockets: clients });
const pixels = strokePixels();
const single = JSON.stringify({ pixels });
const batch = JSON.stringify({ inputs: Array.from({ length: 8 }, () => ({ pixels })) });

function post(path: string, body: string): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${path}`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, text, ms: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const tally = { answers: 0, failed: 0, mixed: 0, backwards: 0, byVersion: new Map<string, number>() };
const latencies: number[] = [];
let running = true;
async function client(id: number): Promise<void> {
  let highest = 0;
  for (let i = 0; running; i++) {
    const isBatch = (i + id) % 4 === 0;
    const { status, text, ms } = await post(isBatch ? '/predict/batch' : '/predict', isBatch ? batch : single);
    latencies.push(ms);
    tally.answers++;
    if (status !== 200) {
      tally.failed++;
      continue;
    }
    const body = JSON.parse(text) as { model: { version: string }; results?: { model: { version: string } }[] };
    const versions = new Set([body.model.version, ...(body.results ?? []).map((r) => r.model.version)]);
    if (versions.size > 1) tally.mixed++;
    const version = Number(body.model.version);
    if (version < highest) tally.backwards++;
    highest = Math.max(highest, version);
    tally.byVersion.set(body.model.version, (tally.byVersion.get(body.model.version) ?? 0) + 1);
  }
}

const load = Array.from({ length: clients }, (_, id) => client(id));
let swaps = 0;
const until = Date.now() + seconds * 1000;
while (Date.now() < until) {
  await new Promise((r) => setTimeout(r, every));
  await putVersion();
  await rm(join(work, 'digits', String(oldest++)), { recursive: true });
  server.process.kill('SIGHUP');
  swaps++;
}
running = false;
await Promise.all(load);
// the last swap's old version drains once its requests are done
await new Promise((r) => setTimeout(r, 1_000));
const rssAfter = server.rss();
await server.stop();
agent.destroy();
await rm(work, { recursive: true, force: true });

latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1);
const mib = (b: number) => (b / 2 ** 20).toFixed(1);
console.log(`| swaps | answers | not 200 | batches of mixed versions | a client sent back to an older version | versions answering |`);
console.log(`| --- | --- | --- | --- | --- | --- |`);
console.log(`| ${swaps} | ${tally.answers} | ${tally.failed} | ${tally.mixed} | ${tally.backwards} | ${tally.byVersion.size} |`);
console.log(`\nlatency ms: p50 ${pct(0.5)}, p99 ${pct(0.99)}, max ${pct(1)}`);
console.log(`RSS (primary and 2 workers): ${mib(rssBefore)} MiB before, ${mib(rssAfter)} MiB after ${swaps} swaps`);
if (tally.failed + tally.mixed > 0) process.exitCode = 1;
