/**
 * Garbage-collection pauses under multipart uploads, at one connection (where each pause is
 * a request's whole latency). First a bare Fastify + @fastify/multipart route
 * (bench/lib/multipart-echo.ts) holding about 20 MB of other live objects, with V8's
 * allocation-site pretenuring on (Node's default) and off (`--no-allocation-site-pretenuring`),
 * and without the held objects; then the service itself (`dist/server.js`, one worker), with
 * pretenuring on (as it runs) and off, twice, alternating. Every server runs with `--trace-gc-nvp`;
 * wrk sends test digit 0 as a multipart PNG. Prints requests/s, p50 and p99, and per
 * scavenge the bytes promoted to the old generation and the pause.
 *
 *   npm run bench:gc -- [--seconds 6]
 *
 * Needs: wrk, and the build (the npm script runs it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadMnistSplit } from '../src/data/idx.js';
import { multipart } from '../test/hostile/support/http.js';
import { digitPng } from '../test/support/mnist.js';
import { freePort, REPO, waitReady } from './lib/child-server.js';
import { wrk } from './lib/wrk.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '6' } } });
const SECONDS = Number(values.seconds);
const SHARED = process.env.DIGIT_SERVE_SHARED_DATA ?? resolve(REPO, '../shared/data');
const work = mkdtempSync(join(tmpdir(), 'bench-gc-'));

interface Subject {
  readonly name: string;
  readonly args: string[];
  readonly env: Record<string, string>;
  /** the path that answers 200 once the server is up, and the one loaded */
  readonly readyPath: string;
  readonly path: string;
}

const echo = (name: string, flags: string[], hold: number): Subject => ({
  name,
  args: [...flags, '--import', 'tsx', 'bench/lib/multipart-echo.ts'],
  env: { HOLD_OBJECTS: String(hold) },
  readyPath: '/',
  path: '/',
});

const SUBJECTS: Subject[] = [
  echo('bare Fastify, 20 MB held, pretenuring on', [], 300_000),
  echo('bare Fastify, 20 MB held, pretenuring off', ['--no-allocation-site-pretenuring'], 300_000),
  echo('bare Fastify, nothing held, pretenuring on', [], 0),
  ...[1, 2].flatMap((round) =>
    [[], ['--no-allocation-site-pretenuring']].map((flags) => ({
      name: `the service (WORKERS=1), pretenuring ${flags.length ? 'off' : 'on'}, round ${round}`,
      args: [...flags, 'dist/server.js'],
      env: { WORKERS: '1', LOG_LEVEL: 'warn' },
      readyPath: '/health/ready',
      path: '/predict',
    })),
  ),
];

/**
 * `--trace-gc-nvp` prints one line per collection: `name=value` pairs up to Node 24's V8,
 * `GC: {json}` from Node 26's; scavenges say `gc=s` (`"gc":"s"`).
 */
function gcRecord(line: string): Record<string, unknown> | undefined {
  const json = line.indexOf('GC: {');
  if (json >= 0) return JSON.parse(line.slice(json + 4)) as Record<string, unknown>;
  if (!/ pause=/.test(line)) return undefined;
  return Object.fromEntries(line.split(/\s+/).flatMap((kv) => (kv.includes('=') ? [kv.split('=', 2) as [string, string]] : [])));
}

function scavenges(lines: string[]): { count: number; promotedKb: number; pauseMs: number } {
  const rows = lines.map(gcRecord).filter((r) => r !== undefined && r.gc === 's') as Record<string, unknown>[];
  const mean = (key: string) => rows.reduce((sum, r) => sum + Number(r[key]), 0) / Math.max(1, rows.length);
  return { count: rows.length, promotedKb: mean('promoted') / 1000, pauseMs: mean('pause') };
}

async function measure(subject: Subject, bodyFile: string, contentType: string): Promise<string> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--trace-gc-nvp', ...subject.args], {
    cwd: REPO,
    env: { ...process.env, ...subject.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  try {
    await waitReady(url, subject.readyPath, child);
    await wrk(`${url}${subject.path}`, bodyFile, contentType, 1, 2, work); // warm-up
    const from = lines.length;
    const r = await wrk(`${url}${subject.path}`, bodyFile, contentType, 1, SECONDS, work);
    const gc = scavenges(lines.slice(from));
    return `| ${subject.name} | ${r.okPerSec.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${(gc.count / SECONDS).toFixed(1)} | ${gc.promotedKb.toFixed(0)} | ${gc.pauseMs.toFixed(2)} |`;
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
  }
}

const test = await loadMnistSplit(join(SHARED, 'mnist'), 't10k');
const upload = multipart([{ name: 'image', filename: '0.png', contentType: 'image/png', data: await digitPng(test, 0) }]);
const bodyFile = join(work, 'png.body');
writeFileSync(bodyFile, upload.body);
console.log(`one connection, ${SECONDS} s after a 2 s warm-up, a 28x28 PNG as multipart:`);
console.log('| server | requests/s | p50 ms | p99 ms | scavenges/s | KB promoted per scavenge | pause per scavenge, ms |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const subject of SUBJECTS) console.log(await measure(subject, bodyFile, upload.contentType));
