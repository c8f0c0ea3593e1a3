/**
 * Load shedding on a real listening server. With one decode slot and two queue places, a
 * flood of large images must be split into the few that are decoded (and answered exactly)
 * and the rest, refused at once with 503 `overloaded` and Retry-After instead of waiting for
 * a queue that would take seconds; and the server must serve normally once the flood is over.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toyDigitModel } from '../support/models.js';
import { startServer, type RunningServer } from '../support/server.js';
import { fixture } from './support/fixtures.js';
import {
  bodyJson,
  describeAnswer,
  isAnswer,
  multipart,
  problemDefect,
  send,
  type Answer,
  type Failure,
  type Outgoing,
} from './support/http.js';
import { strokePixels } from '../support/pixels.js';

const DECODE_CONCURRENCY = 1;
const DECODE_QUEUE_LIMIT = 2;
const FLOOD = 16;

/**
 * A 4,800 x 4,800 PNG of the digit: under a hundred kilobytes to send, and as many pixels as
 * the default limits let one image declare, so its decode is the slowest a request can cause.
 */
let slowPng: Buffer;
let batchPng: Buffer;
let expected: unknown;

const rawPng = (body: Buffer): Outgoing => ({ path: '/predict', headers: { 'content-type': 'image/png' }, body });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function expectOverloaded(r: Answer | Failure): void {
  expect(isAnswer(r) && { status: r.status, code: bodyJson(r).code }, describeAnswer(r)).toEqual({ status: 503, code: 'overloaded' });
  expect(problemDefect(r as Answer)).toBeUndefined();
  expect(Number((r as Answer).headers['retry-after'])).toBeGreaterThanOrEqual(1);
}

beforeAll(async () => {
  slowPng = await sharp(fixture('digit-7.png')).resize(4800, 4800, { kernel: 'nearest' }).png({ compressionLevel: 9 }).toBuffer();
  batchPng = await sharp(fixture('digit-7.png')).resize(2800, 2800, { kernel: 'nearest' }).png({ compressionLevel: 9 }).toBuffer();
});

describe('a full decode queue', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(
      {
        DECODE_CONCURRENCY: String(DECODE_CONCURRENCY),
        DECODE_QUEUE_LIMIT: String(DECODE_QUEUE_LIMIT),
        MAX_FILE_BYTES: '1000000',
        // only the decode queue sheds here; the event-loop guard has its own test below
        MAX_EVENT_LOOP_DELAY_MS: '0',
      },
      { model: toyDigitModel() },
    );
  });
  afterAll(() => server?.close());

  it('sheds a flood with fast 503 overloaded + Retry-After, answers the admitted images exactly, then recovers', async () => {
    // the time one decode takes here, measured alone (median of three)
    const alone: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await send(server.url, rawPng(slowPng));
      expect(r.status, describeAnswer(r)).toBe(200);
      expected ??= bodyJson(r as Answer);
      alone.push(r.ms);
    }
    const oneDecodeMs = median(alone);

    const answers = await Promise.all(Array.from({ length: FLOOD }, () => send(server.url, rawPng(slowPng))));
    const admitted = answers.filter((r) => r.status === 200) as Answer[];
    const shed = answers.filter((r) => r.status === 503);
    const others = answers.filter((r) => r.status !== 200 && r.status !== 503);
    expect(others.map(describeAnswer)).toEqual([]);
    // the slot and the queue take at least three; the queue cannot hold the whole flood
    expect(admitted.length).toBeGreaterThanOrEqual(DECODE_CONCURRENCY + DECODE_QUEUE_LIMIT);
    expect(shed.length).toBeGreaterThan(FLOOD / 2);
    for (const r of admitted) expect(bodyJson(r)).toEqual(expected);
    for (const r of shed) expectOverloaded(r);

    // refused without waiting: a shed request does not sit behind the decodes the queue holds.
    // All were sent at once, so durations compare as arrival times: every 503 is back while
    // the queue is still busy, and the typical 503 before the typical admitted answer, which
    // waits for the decodes ahead of it. Both from this one flood: a decode timed alone ran at
    // another moment of a shared machine's speed (twice or half as fast as during the flood)
    const shedMs = median(shed.map((r) => r.ms));
    const admittedMs = median(admitted.map((r) => r.ms));
    const slowestShedMs = Math.max(...shed.map((r) => r.ms));
    const slowestAdmittedMs = Math.max(...admitted.map((r) => r.ms));
    console.log(
      `overload: ${FLOOD} at once -> ${admitted.length} admitted (median ${admittedMs.toFixed(0)} ms, slowest ${slowestAdmittedMs.toFixed(0)} ms), ` +
        `${shed.length} shed (median ${shedMs.toFixed(0)} ms, slowest ${slowestShedMs.toFixed(0)} ms); one decode alone ${oneDecodeMs.toFixed(0)} ms`,
    );
    expect(slowestShedMs).toBeLessThan(slowestAdmittedMs);
    expect(shedMs).toBeLessThan(admittedMs);

    // recovery: once the flood has drained, a normal request is served normally
    const after = await send(server.url, rawPng(slowPng));
    expect(after.status, describeAnswer(after)).toBe(200);
    expect(bodyJson(after as Answer)).toEqual(expected);
  });

  it('answers a batch larger than the decode queue on an idle server (it is not overloaded)', async () => {
    // with 1 slot and 2 queue places, a 4-image batch can never fit: a 503 here would tell the
    // client to retry a request that cannot succeed however idle the server is
    const m = multipart(Array.from({ length: 4 }, (_, i) => ({ name: 'images', filename: `${i}.png`, data: fixture('digit-7.png') })));
    const r = await send(server.url, { path: '/predict/batch', headers: { 'content-type': m.contentType }, body: m.body });
    expect(r.status, describeAnswer(r)).toBe(200);
    expect(bodyJson(r as Answer).results).toHaveLength(4);
  });

  it('leaves no work behind when it sheds a batch: the next request finds the queue free', async () => {
    // a batch shed for a full queue must not keep its other images queued (decoded for nobody):
    // they would fill the queue and shed the next client of an otherwise idle server
    // four of a third the pixels: within one request's pixel budget, more than the queue holds
    const m = multipart(Array.from({ length: 4 }, (_, i) => ({ name: 'images', filename: `${i}.png`, data: batchPng })));
    const batch = await send(server.url, { path: '/predict/batch', headers: { 'content-type': m.contentType }, body: m.body });
    expect([200, 503]).toContain(batch.status);
    const next = await send(server.url, rawPng(slowPng));
    expect(next.status, describeAnswer(next)).toBe(200);
  });
});

describe('a lagging event loop', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ MAX_EVENT_LOOP_DELAY_MS: '30' }, { model: toyDigitModel() });
  });
  afterAll(() => server?.close());

  /** Block this process's event loop (the server's: it runs in-process) in 200 ms slices, letting timers run between them. */
  async function lag(totalMs: number): Promise<void> {
    for (let spent = 0; spent < totalMs; spent += 200) {
      const until = performance.now() + 200;
      while (performance.now() < until);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('sheds API requests with 503 overloaded + Retry-After while the loop lags, keeps probes open, and recovers', async () => {
    const pixels = JSON.stringify({ pixels: strokePixels() });
    const predict = () => send(server.url, { path: '/predict', headers: { 'content-type': 'application/json' }, body: pixels });
    expect((await predict()).status).toBe(200);

    // long enough to span a whole sampling interval of the guard (1 s), every tick ~200 ms late
    await lag(1_400);
    expectOverloaded(await predict());
    expect((await send(server.url, { method: 'GET', path: '/health/live' })).status).toBe(200);

    // the next samples see a quiet loop again
    let status = 0;
    for (const until = Date.now() + 5_000; Date.now() < until && status !== 200;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = (await predict()).status;
    }
    expect(status).toBe(200);
  });
});
