/**
 * Clients that send slowly: a body that stops, a body trickled a byte at a time, headers that
 * never end. Each holds a connection and a parser for as long as the server lets it, so each
 * must be cut off close to REQUEST_TIMEOUT_MS (408, then the connection closes), while a slow
 * client that finishes within the limit is answered normally.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toyDigitModel } from '../support/models.js';
import { startServer, type RunningServer } from '../support/server.js';
import { parseResponses } from './support/http.js';
import { strokePixels } from '../support/pixels.js';

const REQUEST_TIMEOUT_MS = 5_000;
/** "Close to the setting": the cut-off may come a little after it, never twice as late. */
const CUT_OFF_WITHIN_MS = 2 * REQUEST_TIMEOUT_MS;

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) }, { model: toyDigitModel() });
});
afterAll(() => server?.close());

interface Outcome {
  readonly ms: number;
  readonly received: string;
}

/**
 * Open a connection, write `head` at once and then `rest`, `chunk` bytes per `gapMs`; resolve
 * with what the server sent once it closes the connection (or after three times the limit).
 */
function slowClient(head: string, rest: string, gapMs: number, chunk = 1): Promise<Outcome> {
  const url = new URL(server.url);
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    const received: Buffer[] = [];
    let next = 0;
    const timer = setInterval(() => {
      if (next < rest.length && socket.writable) socket.write(rest.slice(next, (next += chunk)));
    }, gapMs);
    const done = () => {
      clearInterval(timer);
      resolve({ ms: performance.now() - started, received: Buffer.concat(received).toString('latin1') });
    };
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', done);
    socket.setTimeout(3 * REQUEST_TIMEOUT_MS, () => socket.destroy());
    socket.write(head);
  });
}

const body = JSON.stringify({ pixels: strokePixels() });
const head = (length: number) =>
  `POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`;

describe(`REQUEST_TIMEOUT_MS=${REQUEST_TIMEOUT_MS}`, () => {
  it('cuts off a stalled body, a trickled body and unfinished headers close to the limit, and still serves', async () => {
    const never = 1_000_000;
    const [stalled, trickled, headers, patient] = await Promise.all([
      // the first byte of the body, then nothing
      slowClient(head(body.length) + body[0], '', never),
      // the whole body, one byte per 150 ms: it would take minutes
      slowClient(head(body.length), body, 150),
      // the request line and one header, then one more header byte now and then
      slowClient('POST /predict HTTP/1.1\r\nHost: localhost\r\n', 'X-Slow: ' + 'a'.repeat(1_000), 150),
      // slow, but done well within the limit: answered
      slowClient(head(body.length), body, 500, Math.ceil(body.length / 4)),
    ]);
    expect(patient.ms).toBeLessThan(REQUEST_TIMEOUT_MS);
    expect(parseResponses(patient.received).map((r) => r.status)).toEqual([200]);
    for (const [what, outcome] of Object.entries({ stalled, trickled, headers })) {
      expect(outcome.ms, what).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
      expect(outcome.ms, what).toBeLessThan(CUT_OFF_WITHIN_MS);
      expect(
        parseResponses(outcome.received).map((r) => r.status),
        what,
      ).toEqual([408]);
    }
  });
});
