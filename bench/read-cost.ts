/**
 * What reading a whole number costs the server next to reading one digit: one server process
 * (src/server.ts, one worker, no load shedding) answers one-digit photos on POST /predict and
 * photos of 5-digit numbers on POST /read, the two kinds alternating in rounds so the machine's
 * drift falls on both alike. Per kind and concurrency: the server's CPU time per request (utime
 * + stime of its process, from /proc/<pid>/stat, before and after each run of requests: the
 * client's own work is not in it) and the wall latency a client sees; then /read over /predict.
 *
 *   nice npm run bench:read -- [--rounds 5] [--requests 200] [--concurrency 1,4] [--pictures 4] [--seed 1] [--family spaced]
 *
 * The one-digit photos are bench/corpus's photo family (JPEG) of the first --pictures test
 * digits; the numbers are the first --pictures pictures of the numbers corpus's --family
 * that came out as 5-digit photos (JPEG). Each run of requests cycles through its pictures.
 */
import { execFileSync } from 'node:child_process';
import { Agent } from 'node:http';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { DEFAULT_WEIGHTS } from '../src/config.js';
import { loadMnistSplit, type MnistSplit } from '../src/data/idx.js';
import { loadWeights } from '../src/model/weights/load.js';
import { multipart, send } from '../test/hostile/support/http.js';
import { sharedPath } from '../test/support/shared-data.js';
import { renderDigit } from './corpus/corpus.js';
import { familyNamed } from './corpus/families.js';
import { procStat, startChildServer } from './lib/child-server.js';
import { median } from './lib/median.js';
import { numberFamilyNamed } from './numbers/families.js';
import { readableSource, renderNumber } from './numbers/numbers.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    requests: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '1,4' },
    pictures: { type: 'string', default: '4' },
    seed: { type: 'string', default: '1' },
    family: { type: 'string', default: 'spaced' },
  },
});
const ROUNDS = Number(values.rounds);
const REQUESTS = Number(values.requests);
const CONCURRENCIES = values.concurrency.split(',').map(Number);
const PICTURES = Number(values.pictures);
const SEED = Number(values.seed);
const FAMILY = values.family;
const NUMBER_DIGITS = 5;
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

interface Kind {
  readonly name: string;
  readonly path: string;
  /** multipart bodies, one per picture */
  readonly bodies: readonly { body: Buffer; contentType: string }[];
  readonly about: string;
}

interface Run {
  /** server CPU time per request, ms */
  readonly cpuMs: number;
  readonly latenciesMs: readonly number[];
}

/** CPU time of `pid` so far, ms (utime + stime, fields 14 and 15 of /proc/<pid>/stat). */
const cpuMs = (pid: number) => {
  const fields = procStat(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
};

const quantile = (xs: readonly number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

const upload = (bytes: Buffer) => multipart([{ name: 'image', filename: 'picture.jpg', contentType: 'image/jpeg', data: bytes }]);

async function describeJpegs(files: readonly Buffer[]): Promise<string> {
  const sizes = await Promise.all(files.map(async (f) => ((m) => `${m.width}x${m.height}`)(await sharp(f).metadata())));
  return `${sizes.join(', ')}; ${files.map((f) => `${(f.length / 1024).toFixed(0)} KiB`).join(', ')}`;
}

async function oneDigitPhotos(set: MnistSplit): Promise<Kind> {
  const photo = familyNamed('photo');
  const files = await Promise.all(Array.from({ length: PICTURES }, (_, i) => renderDigit(photo, set, i, SEED)));
  return { name: '/predict, 1-digit photo', path: '/predict', bodies: files.map(upload), about: await describeJpegs(files) };
}

/** The first pictures of FAMILY that came out as photos of NUMBER_DIGITS digits, and their texts. */
async function numberPhotos(set: MnistSplit): Promise<Kind & { texts: string[] }> {
  const source = readableSource(set, await loadWeights(DEFAULT_WEIGHTS));
  const family = numberFamilyNamed(FAMILY);
  const files: Buffer[] = [];
  const texts: string[] = [];
  for (let i = 0; files.length < PICTURES; i++) {
    const { bytes, truth } = await renderNumber(family, source, i, SEED);
    if (truth.medium !== 'photo' || truth.digits.length !== NUMBER_DIGITS) continue;
    files.push(bytes);
    texts.push(`${FAMILY}/${i}.jpg ${truth.text}`);
  }
  const about = await describeJpegs(files);
  return { name: `/read, ${NUMBER_DIGITS}-digit photo`, path: '/read', bodies: files.map(upload), about, texts };
}

/** `count` requests of `kind`, `concurrency` at a time on kept-alive connections; every answer must be a 200. */
async function run(url: string, pid: number, kind: Kind, count: number, concurrency: number): Promise<Run> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latenciesMs: number[] = [];
  let next = 0;
  const client = async () => {
    while (next < count) {
      const { body, contentType } = kind.bodies[next++ % kind.bodies.length]!;
      const r = await send(url, { path: kind.path, headers: { 'content-type': contentType }, body, agent });
      if (r.status !== 200) throw new Error(`${kind.name}: ${'error' in r ? r.error : `${r.status} ${r.body.toString().slice(0, 200)}`}`);
      latenciesMs.push(r.ms);
    }
  };
  const before = cpuMs(pid);
  await Promise.all(Array.from({ length: concurrency }, client));
  const cpu = cpuMs(pid) - before;
  agent.destroy();
  return { cpuMs: cpu / count, latenciesMs };
}

/** What /read answers for each number picture: the bench measures reading, so say when it misreads. */
async function checkReadings(url: string, kind: Kind & { texts: string[] }): Promise<void> {
  for (const [i, { body, contentType }] of kind.bodies.entries()) {
    const r = await send(url, { path: '/read', headers: { 'content-type': contentType }, body });
    const text = 'body' in r ? (JSON.parse(r.body.toString()) as { text?: string; code?: string }) : { code: r.error };
    console.log(`  ${kind.texts[i]} -> ${text.text ?? text.code}`);
  }
}

type Runs = Map<number, Record<'predict' | 'read', Run[]>>;

/** ROUNDS rounds; in each, for each concurrency, a run of each kind, in an order that alternates too. */
async function measureRounds(server: { url: string; pid: number }, kinds: Record<'predict' | 'read', Kind>): Promise<Runs> {
  const runs: Runs = new Map(CONCURRENCIES.map((c) => [c, { predict: [], read: [] }]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [concurrency, of] of runs) {
      const order = round % 2 === 1 ? (['predict', 'read'] as const) : (['read', 'predict'] as const);
      for (const k of order) of[k].push(await run(server.url, server.pid, kinds[k], REQUESTS, concurrency));
      const [p, q] = [of.predict.at(-1)!.cpuMs, of.read.at(-1)!.cpuMs];
      console.log(
        `round ${round}, concurrency ${concurrency}: /predict ${p.toFixed(2)} ms CPU/request, /read ${q.toFixed(2)}; ratio ${(q / p).toFixed(2)}`,
      );
    }
  }
  return runs;
}

function printCosts(runs: Runs, kinds: Record<'predict' | 'read', Kind>): void {
  console.log('| concurrency | request | server CPU per request, ms (median of rounds) | latency median, ms | latency p95, ms |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [concurrency, of] of runs) {
    for (const k of ['predict', 'read'] as const) {
      const all = of[k].flatMap((r) => r.latenciesMs);
      const cells = [median(of[k].map((r) => r.cpuMs)).toFixed(2), quantile(all, 0.5).toFixed(1), quantile(all, 0.95).toFixed(1)];
      console.log(`| ${concurrency} | ${kinds[k].name} | ${cells.join(' | ')} |`);
    }
  }
}

/** The ratio round by round (both kinds ran side by side in a round), and its median. */
function printRatios(runs: Runs): void {
  for (const [concurrency, of] of runs) {
    const ratios = of.read.map((q, i) => q.cpuMs / of.predict[i]!.cpuMs);
    const sorted = [...ratios].sort((a, b) => a - b).map((x) => x.toFixed(2));
    console.log(
      `concurrency ${concurrency}: /read ${NUMBER_DIGITS}-digit over /predict 1-digit, CPU per request: median ${median(ratios).toFixed(2)}x (rounds: ${sorted.join(', ')}; target < 3)`,
    );
  }
}

const set = await loadMnistSplit(sharedPath('mnist'), 't10k');
const kinds = { predict: await oneDigitPhotos(set), read: await numberPhotos(set) };
// one process, no load shedding: every request is served, so its CPU time is a request's work
const server = await startChildServer({ WORKERS: '1', MAX_EVENT_LOOP_DELAY_MS: '0' });
process.on('exit', () => server.process.kill());

try {
  for (const kind of Object.values(kinds)) console.log(`${kind.name}: ${kind.about}`);
  await checkReadings(server.url, kinds.read);
  for (const kind of Object.values(kinds)) await run(server.url, server.pid, kind, 50, 4); // warm-up
  console.log(`\n${ROUNDS} rounds x ${REQUESTS} requests per kind and concurrency, kinds alternating; server CPU from /proc`);
  const runs = await measureRounds(server, kinds);
  console.log('');
  printCosts(runs, kinds);
  console.log('');
  printRatios(runs);
} finally {
  await server.stop();
}
