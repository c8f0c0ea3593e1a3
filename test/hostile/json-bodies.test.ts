/**
 * JSON bodies whose parse would hold the event loop: deeply nested arrays, masses of empty
 * containers or keys. They are refused from a look at their bytes, so the worker keeps
 * answering its health probes while they arrive, and the largest valid bodies (a full batch of
 * pixels at full precision, a v2 tensor nested [n, 1, 28, 28]) still go through on the defaults.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { toyDigitModel } from '../support/models.js';
import { freePort } from '../support/ports.js';
import { startService } from '../support/service-process.js';
import { startServer, type RunningServer } from '../support/server.js';
import { bodyJson, describeAnswer, isAnswer, send, type Answer } from './support/http.js';

let server: RunningServer;
beforeAll(async () => {
  // the defaults, as an operator runs the service; only the event-loop guard is off, so the
  // probe's latency is measured rather than a 503 from the guard
  server = await startServer({ MAX_EVENT_LOOP_DELAY_MS: '0' }, { model: toyDigitModel() });
});
afterAll(() => server?.close());

const postJson = (path: string, body: string) => send(server.url, { path, headers: { 'content-type': 'application/json' }, body });

/** About two megabytes of `{"pixels": [[[[...]]]]}`: under the JSON size limit, a long parse for JSON.parse. */
const nestedPixels = () => `{"pixels": ${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`;

describe('hostile JSON shapes', () => {
  it('keeps /health/live answering within 300 ms while 2 MB nested bodies are refused', async () => {
    // the server in a process of its own, as deployed: the test's own work of building and
    // sending the bodies must not be what delays the probes
    const port = await freePort();
    const service = startService({ PORT: String(port), WORKERS: '1', LOG_LEVEL: 'warn', MAX_EVENT_LOOP_DELAY_MS: '0' });
    await service.ready(port);
    const base = `http://127.0.0.1:${port}`;
    const body = nestedPixels();
    let attacking = true;
    const probes: number[] = [];
    const probe = (async () => {
      while (attacking) {
        const r = await send(base, { method: 'GET', path: '/health/live' });
        expect(r.status, describeAnswer(r)).toBe(200);
        probes.push(r.ms);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const answers = [];
    for (let round = 0; round < 4; round++) {
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 4 }, () => send(base, { path: '/predict', headers: { 'content-type': 'application/json' }, body })),
        )),
      );
    }
    attacking = false;
    await probe;
    service.signal('SIGTERM');
    expect(probes.length).toBeGreaterThan(3);
    expect(Math.max(...probes)).toBeLessThan(300);
    for (const r of answers) {
      expect(isAnswer(r) && { status: r.status, code: bodyJson(r).code }, describeAnswer(r)).toEqual({
        status: 400,
        code: 'invalid_input',
      });
      expect(bodyJson(r as Answer).detail).toMatch(/nests deeper than 32 levels/);
    }
    expect(await service.exited).toBe(0);
  });

  it('refuses the same shapes on every JSON route, v2 in its own error shape', async () => {
    const deep = `{"inputs": [${'['.repeat(40)}${']'.repeat(40)}]}`;
    const batch = await postJson('/predict/batch', deep);
    expect(isAnswer(batch) && bodyJson(batch).code, describeAnswer(batch)).toBe('invalid_input');
    const v2 = await postJson('/v2/models/mnist/infer', deep);
    expect(isAnswer(v2) && v2.status, describeAnswer(v2)).toBe(400);
    expect(bodyJson(v2 as Answer)).toEqual({ error: expect.stringMatching(/^invalid_input: the JSON nests deeper than 32 levels/) });
  });
});

describe('the largest valid JSON bodies, on the default limits', () => {
  const { MAX_BATCH_FILES, MAX_JSON_BYTES } = loadConfig({});
  // a double's shortest round-trip form: what a client serialising computed pixels sends
  const pixel = (i: number) => ((i * 7919) % 65_536) / 65_537;

  it('takes a full batch of pixels written at full precision', async () => {
    const inputs = Array.from({ length: MAX_BATCH_FILES }, (_, n) => ({ pixels: Array.from({ length: 784 }, (_, i) => pixel(n + i)) }));
    const body = JSON.stringify({ inputs });
    const r = await postJson('/predict/batch', body);
    expect(isAnswer(r) && r.status, describeAnswer(r)).toBe(200);
    expect(bodyJson(r as Answer).results).toHaveLength(MAX_BATCH_FILES);
  });

  it('takes one base64 image of the largest file, the body MAX_JSON_BYTES is sized for', async () => {
    const { MAX_FILE_BYTES } = loadConfig({});
    const file = Buffer.alloc(MAX_FILE_BYTES, 7);
    const body = JSON.stringify({ image: file.toString('base64') });
    expect(body.length).toBeGreaterThan(MAX_JSON_BYTES * 0.9);
    const r = await postJson('/predict', body);
    // read whole and decoded: these bytes are no image, which is the answer, not their size
    expect(isAnswer(r) && bodyJson(r as Answer).code, describeAnswer(r)).toBe('invalid_image');
  });

  it('takes a full v2 batch nested [n, 1, 28, 28]', async () => {
    const data = Array.from({ length: MAX_BATCH_FILES }, (_, n) => [
      Array.from({ length: 28 }, (_, y) => Array.from({ length: 28 }, (_, x) => pixel(n + 28 * y + x))),
    ]);
    const body = JSON.stringify({ inputs: [{ name: 'pixels', shape: [MAX_BATCH_FILES, 1, 28, 28], datatype: 'FP32', data }] });
    const r = await postJson('/v2/models/mnist/infer', body);
    expect(isAnswer(r) && r.status, describeAnswer(r)).toBe(200);
    expect(bodyJson(r as Answer).outputs[1].shape).toEqual([MAX_BATCH_FILES]);
  });
});
