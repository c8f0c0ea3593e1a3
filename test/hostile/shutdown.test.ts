/**
 * SIGTERM under load, as an orchestrator does it: the real entry point in its own process,
 * a steady stream of 64-image batches, SIGTERM while several are in flight. Every request the
 * server had accepted must get its complete 200; once it stops listening, new requests are
 * refused (or answered 503); readiness reads 503 not_ready while it drains; and the process
 * exits 0 well within SHUTDOWN_GRACE_MS.
 *
 * "Accepted" is read from the server's own JSON logs (LOG_LEVEL=info logs "incoming request"
 * with the request id, which each request sets), not guessed from client-side timing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveWeights } from '../../src/model/weights/load.js';
import { toyDigitModel } from '../support/models.js';
import { freePort } from '../support/ports.js';
import { fixture } from './support/fixtures.js';
import { bodyJson, isAnswer, multipart, parseResponses, send, type Answer, type Failure } from './support/http.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const SHUTDOWN_GRACE_MS = 15_000;
/** concurrent clients, each sending one batch after another */
const CLIENTS = 6;
const BATCH = 64;

interface Sent {
  readonly id: string;
  readonly startedAt: number;
  result?: Answer | Failure;
  endedAt?: number;
}

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  signal?: string;
  res?: { statusCode: number };
}

/** What one scenario observed; the tests below each check one promise of a clean shutdown. */
interface Seen {
  sent: Sent[];
  logs: LogLine[];
  stderr: string;
  sigtermAt: number;
  exitedAt: number;
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  /** a request whose upload was still going on at SIGTERM: its answer, then readiness asked on the same connection */
  slowUpload: string;
  expectedProbabilities: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A raw connection that sends a batch's headers and half its body, waits for `release`, then
 * sends the rest followed (pipelined, on the same connection) by GET /health/ready, and
 * resolves with everything the server wrote back until it closed the connection.
 */
function slowUploadThenReadiness(port: number, body: Buffer, contentType: string, release: Promise<void>): Promise<string> {
  return new Promise((resolveText) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => resolveText(Buffer.concat(received).toString('latin1')));
    socket.setTimeout(SHUTDOWN_GRACE_MS + 5_000, () => socket.destroy());
    const half = Math.floor(body.length / 2);
    socket.write(
      `POST /predict/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: slow-upload\r\nContent-Type: ${contentType}\r\n` +
        `Content-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.subarray(0, half));
    void release.then(() => {
      socket.write(body.subarray(half));
      socket.write('GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    });
  });
}

/** A status, or the client-side error when there was no answer. */
const outcome = (r: Answer | Failure): number | string => (isAnswer(r) ? r.status : r.error);

/** Start the server with `workers` worker processes, load it, SIGTERM it, and record everything. */
async function sigtermUnderLoad(workers: number, weights: string, onChild: (child: ChildProcess) => void): Promise<Seen> {
  const seen: Seen = {
    sent: [],
    logs: [],
    stderr: '',
    sigtermAt: 0,
    exitedAt: 0,
    exitCode: null,
    exitSignal: null,
    slowUpload: '',
    expectedProbabilities: [],
  };
  const startedAt = performance.now();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;

  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: REPO,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ACCESS_LOG: 'on',
      WEIGHTS: weights,
      WORKERS: String(workers),
      SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
      DECODE_QUEUE_LIMIT: '100000',
      MAX_EVENT_LOOP_DELAY_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onChild(proc);
  let pending = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      try {
        seen.logs.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    }
  });
  proc.stderr!.on('data', (chunk: Buffer) => (seen.stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolveExit) =>
    proc.once('exit', (code, signal) => {
      seen.exitedAt = performance.now();
      seen.exitCode = code;
      seen.exitSignal = signal;
      resolveExit();
    }),
  );

  // ready?
  for (const until = Date.now() + 30_000; ;) {
    const r = await send(base, { method: 'GET', path: '/health/ready', timeoutMs: 1_000 });
    if (r.status === 200) break;
    if (Date.now() > until || seen.exitedAt) throw new Error(`server did not become ready: ${seen.stderr}`);
    await sleep(100);
  }

  // 64 images of 112 x 112: a batch takes a few hundred milliseconds, so several are in flight at any time
  const png: Buffer = await sharp(fixture('digit-7.png')).resize(112, 112, { kernel: 'nearest' }).png().toBuffer();
  const batch = multipart(Array.from({ length: BATCH }, (_, i) => ({ name: 'images', filename: `${i}.png`, data: png })));
  const one = await send(base, { path: '/predict', headers: { 'content-type': 'image/png' }, body: png });
  seen.expectedProbabilities = bodyJson(one as Answer).probabilities;

  let stop = false;
  let refusedAfterSigterm = 0;
  const worker = async (w: number) => {
    for (let n = 0; !stop && n < 200; n++) {
      const sent: Sent = { id: `load-${w}-${n}`, startedAt: performance.now() };
      seen.sent.push(sent);
      sent.result = await send(base, {
        path: '/predict/batch',
        headers: { 'content-type': batch.contentType, 'x-request-id': sent.id },
        body: batch.body,
        timeoutMs: SHUTDOWN_GRACE_MS + 5_000,
      });
      sent.endedAt = performance.now();
      // after SIGTERM, a refusal is what this worker was waiting for: it stops
      if (seen.sigtermAt && sent.startedAt > seen.sigtermAt && sent.result.status !== 200) {
        refusedAfterSigterm++;
        return;
      }
    }
  };
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const slow = slowUploadThenReadiness(port, batch.body, batch.contentType, released);
  const clients = Array.from({ length: CLIENTS }, (_, w) => worker(w));

  // let the stream settle: a few batches answered (it is steady), the others in flight
  const loadFrom = performance.now();
  for (const until = Date.now() + 15_000; Date.now() < until;) {
    const done = seen.sent.filter((s) => s.result?.status === 200).length;
    if (done >= 3) break;
    await sleep(50);
  }
  seen.sigtermAt = performance.now();
  proc.kill('SIGTERM');
  // the rest of the slow upload, and the readiness question, once every worker has taken the signal
  const tookSignal = () => seen.logs.filter((l) => l.msg.startsWith('shutting down')).length >= workers;
  for (const until = Date.now() + 5_000; Date.now() < until && !tookSignal();) await sleep(20);
  release();

  await Promise.race([exited, sleep(SHUTDOWN_GRACE_MS + 5_000)]);
  stop = true;
  await Promise.race([Promise.all(clients), sleep(5_000)]);
  seen.slowUpload = await Promise.race([slow, sleep(2_000).then(() => '<no answer>')]);
  const inFlight = seen.sent.filter((x) => x.startedAt < seen.sigtermAt && (x.endedAt ?? Infinity) > seen.sigtermAt).length;
  console.log(
    `shutdown (WORKERS=${workers}): ${seen.sent.length} batches sent, ${inFlight} in flight at SIGTERM, ${refusedAfterSigterm} refused after it; ` +
      `exit ${seen.exitCode} ${(seen.exitedAt - seen.sigtermAt).toFixed(0)} ms after SIGTERM (start-up ${(loadFrom - startedAt).toFixed(0)} ms, load ${(seen.sigtermAt - loadFrom).toFixed(0)} ms before SIGTERM)`,
  );
  return seen;
}

let dir: string;
const children: ChildProcess[] = [];
/** one process, and the cluster (the default on a multi-core machine), where the primary passes SIGTERM on */
const MODES = [1, 2] as const;
let weights: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'digit-serve-shutdown-'));
  // a toy model in a real weights file: the test needs neither ../shared nor the shipped weights
  weights = join(dir, 'toy.safetensors');
  await saveWeights(weights, toyDigitModel().mlp, { name: 'toy' });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

// one after the other: run together on two cores, each would slow the other's drain
describe.each(MODES)('SIGTERM during load, WORKERS=%i', (workers) => {
  let seen: Seen;
  beforeAll(async () => {
    seen = await sigtermUnderLoad(workers, weights, (child) => children.push(child));
  }, 60_000);
  const incomingIds = () => new Set(seen.logs.filter((l) => l.msg === 'incoming request' && l.reqId).map((l) => l.reqId!));

  it('had requests in flight when SIGTERM arrived', () => {
    const inFlight = seen.sent.filter((s) => s.startedAt < seen.sigtermAt && (s.endedAt ?? Infinity) > seen.sigtermAt);
    expect(inFlight.length).toBeGreaterThanOrEqual(2);
    expect(seen.logs.some((l) => l.signal === 'SIGTERM')).toBe(true);
  });

  it('finishes every request it had accepted with a complete 200 and right answers', () => {
    const accepted = incomingIds();
    const lost = seen.sent
      .filter((s) => accepted.has(s.id))
      .filter((s) => s.result?.status !== 200)
      .map((s) => `${s.id}: ${s.result ? outcome(s.result) : 'no answer'}`);
    expect(lost).toEqual([]);
    for (const s of seen.sent.filter((x) => accepted.has(x.id))) {
      const results = bodyJson(s.result as Answer).results as Array<{ probabilities: number[] }>;
      expect(results).toHaveLength(BATCH);
      expect(results.every((r) => r.probabilities.every((p, i) => p === seen.expectedProbabilities[i]))).toBe(true);
    }
    const completed = new Set(seen.logs.filter((l) => l.msg === 'request completed' && l.reqId).map((l) => l.reqId!));
    expect([...accepted].filter((id) => id.startsWith('load-') && !completed.has(id))).toEqual([]);
  });

  it('finishes an upload that was still arriving at SIGTERM', () => {
    const [upload] = parseResponses(seen.slowUpload);
    expect(upload?.status, seen.slowUpload.slice(0, 300)).toBe(200);
    expect(JSON.parse(upload!.body).results).toHaveLength(BATCH);
  });

  it('refuses, or answers 503 to, requests that arrive once it has stopped listening', () => {
    const accepted = incomingIds();
    const late = seen.sent.filter((s) => s.startedAt > seen.sigtermAt && !accepted.has(s.id));
    expect(late.length).toBeGreaterThanOrEqual(1);
    for (const s of late) {
      expect(['ECONNREFUSED', 'ECONNRESET', 503], s.id).toContain(s.result && outcome(s.result));
    }
  });

  it('answers /health/ready with 503 not_ready while it drains', () => {
    // asked on a connection that was busy at SIGTERM, so it was not closed as idle
    const [, readiness] = parseResponses(seen.slowUpload);
    expect(readiness, `no readiness answer on the draining connection: ${seen.slowUpload.slice(0, 300)}`).toBeDefined();
    expect(readiness!.status).toBe(503);
    expect(readiness!.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(readiness!.body)).toMatchObject({ status: 503, code: 'not_ready' });
  });

  it('exits with code 0 within SHUTDOWN_GRACE_MS', () => {
    expect({ code: seen.exitCode, signal: seen.exitSignal, stderr: seen.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(seen.exitedAt - seen.sigtermAt).toBeLessThan(SHUTDOWN_GRACE_MS);
    expect(seen.logs.some((l) => l.msg.includes('grace period over'))).toBe(false);
  });
});
