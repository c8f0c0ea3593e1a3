/**
 * Where one worker's time goes: the service (one worker, as built, on its defaults) under a
 * wrk load, profiled by V8 (--cpu-prof), every sample put in one bucket of the request's path:
 * HTTP parsing and the socket, routing and fastify's request handling, hooks, the multipart
 * read, decode, normalisation, the forward pass, serialisation, metrics, logging, GC, idle.
 * A sample goes to the bucket of the nearest frame on its stack (leaf first) that names one,
 * so JSON.stringify called by pino is logging and zlib's inflate called by the PNG reader is
 * decode. Prints the share of the busy time and the microseconds per request of each bucket.
 *
 *   npm run bench:profile -- [--scenario png|jpeg|batch] [--connections 64] [--seconds 10] [--leaves BUCKET]
 *
 * `--leaves`: also list the functions that take the most time in that bucket.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, REPO, waitReady } from './lib/child-server.js';
import { scenarios } from './lib/scenarios.js';
import { wrk } from './lib/wrk.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'png' },
    connections: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '10' },
    leaves: { type: 'string', default: 'other' },
  },
});

/** Buckets in the order a stack is matched against them, leaf first; the first that matches a frame wins. */
const BUCKETS: readonly (readonly [string, (f: Frame) => boolean])[] = [
  ['GC', (f) => f.functionName === '(garbage collector)'],
  ['idle', (f) => f.functionName === '(idle)'],
  [
    'logging',
    (f) => /\/(pino|pino-std-serializers|sonic-boom|thread-stream)\//.test(f.url) || /(?:src|dist)\/http\/log-fields/.test(f.url),
  ],
  ['metrics', (f) => /\/prom-client\//.test(f.url) || /(?:src|dist)\/(http\/metrics|routes\/input-failures)/.test(f.url)],
  ['forward pass', (f) => /(?:src|dist)\/model\//.test(f.url)],
  [
    'decode',
    (f) =>
      /(?:src|dist)\/preprocess\/(png|jpeg|decode|sniff|dimensions|channels)\./.test(f.url) ||
      /\/sharp\//.test(f.url) ||
      /zlib/.test(f.url),
  ],
  ['normalisation', (f) => /(?:src|dist)\/(preprocess|read)\//.test(f.url) || /(?:src|dist)\/inference\//.test(f.url)],
  [
    'multipart read',
    (f) =>
      /(?:src|dist)\/http\/(form-data|whole-body|inputs|input-schemas|json-body|bodies)\./.test(f.url) ||
      /\/(@fastify\/multipart|busboy|@fastify\/busboy)\//.test(f.url),
  ],
  [
    'serialisation',
    (f) => /(?:src|dist)\/routes\/(input-failures|schemas)|serializeDirectly|fast-json-stringify/.test(`${f.url} ${f.functionName}`),
  ],
  [
    'hooks',
    (f) =>
      /\/(@fastify\/under-pressure|@fastify\/rate-limit|@fastify\/cors)\//.test(f.url) ||
      /(?:src|dist)\/(plugins|http\/(auth|rate-limit|errors|validation))/.test(f.url) ||
      /fastify\/lib\/hooks/.test(f.url),
  ],
  ['our routes', (f) => /(?:src|dist)\/routes\//.test(f.url)],
  ['routing and request handling', (f) => /\/(fastify|find-my-way|light-my-request|avvio|fastify-type-provider-zod|zod)\//.test(f.url)],
  [
    'HTTP parsing and the socket',
    (f) => /^node:(internal\/)?(_http|http|net|stream|internal\/streams|internal\/http)/.test(f.url) || /node:_http/.test(f.url),
  ],
];

interface Frame {
  readonly functionName: string;
  readonly url: string;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: Frame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const work = mkdtempSync(join(tmpdir(), 'bench-profile-'));
const [scenario] = await scenarios(values.scenario, work);
if (!scenario) throw new Error(`no scenario ${values.scenario}`);
const port = await freePort();
const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${work}`, 'dist/server.js'], {
  cwd: REPO,
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', WORKERS: '1' },
  stdio: 'ignore',
});
const url = `http://127.0.0.1:${port}`;
await waitReady(url, '/health/ready', child);
const warmUp = await wrk(`${url}${scenario.path}`, scenario.bodyFile, scenario.contentType, 8, 2, work);
const load = await wrk(
  `${url}${scenario.path}`,
  scenario.bodyFile,
  scenario.contentType,
  Number(values.connections),
  Number(values.seconds),
  work,
);
child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));

const file = readdirSync(work).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error('the server wrote no profile');
const profile = JSON.parse(readFileSync(join(work, file), 'utf8')) as Profile;
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const bucketOf = new Map<number, string>();
const classify = (id: number): string => {
  const known = bucketOf.get(id);
  if (known) return known;
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)!.callFrame;
    const hit = BUCKETS.find(([, test]) => test(frame));
    if (hit) {
      bucketOf.set(id, hit[0]);
      return hit[0];
    }
  }
  bucketOf.set(id, 'other');
  return 'other';
};
const micros = new Map<string, number>();
const others = new Map<string, number>();
profile.samples.forEach((id, i) => {
  const bucket = classify(id);
  const us = profile.timeDeltas[i] ?? 0;
  micros.set(bucket, (micros.get(bucket) ?? 0) + us);
  if (bucket === 'other' || values.leaves === bucket) {
    const { functionName, url } = byId.get(id)!.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '')}`;
    others.set(key, (others.get(key) ?? 0) + us);
  }
});
// the profile holds the start-up, the warm-up and the measured run: per request, over both loads
const requests = warmUp.requests + load.requests;
const busy = [...micros].filter(([b]) => b !== 'idle').reduce((a, [, us]) => a + us, 0);
console.log(
  `${scenario.name} at c=${values.connections}: ${load.requestsPerSec.toFixed(0)} req/s; ${requests} requests in the profile (warm-up included)`,
);
console.log('| part | share of busy time | µs per request |');
console.log('| --- | --- | --- |');
for (const [bucket, us] of [...micros].sort((a, b) => b[1] - a[1])) {
  if (bucket === 'idle') continue;
  console.log(`| ${bucket} | ${((100 * us) / busy).toFixed(1)}% | ${(us / requests).toFixed(1)} |`);
}
console.log(`| (idle) | ${((micros.get('idle') ?? 0) / 1e6).toFixed(2)} s | |`);
console.log(`\nthe largest leaves in "other"${values.leaves === 'other' ? '' : ` and "${values.leaves}"`}:`);
for (const [key, us] of [...others].sort((a, b) => b[1] - a[1]).slice(0, 16)) console.log(`  ${(us / requests).toFixed(1)} µs  ${key}`);
