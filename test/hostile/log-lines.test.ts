/**
 * What a client can make the service write to its log. Every line of the real entry point's
 * log stays short whatever the request quoted back (a long URL, Host header, tensor or output
 * names, a long libvips message about a broken file), and no client input makes a 500 with
 * its stack trace: a probe once filled 330 MB of log in 150 s with tiny requests.
 */
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { startService } from '../support/service-process.js';
import { describeAnswer, isAnswer, multipart, send, type Outgoing } from './support/http.js';
import { strokePixels } from '../support/pixels.js';

/** Long enough for any record the service writes about a request; far below what a client could send. */
const MAX_LINE_BYTES = 1_500;

const long = (n: number) => 'x'.repeat(n);
const json = (path: string, body: unknown): Outgoing => ({
  method: 'POST',
  path,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const pixels = strokePixels();

const hostile: Record<string, Outgoing> = {
  'a long URL': { method: 'GET', path: `/${long(12_000)}?${long(3_000)}` },
  'a long query on a real route': {
    method: 'POST',
    path: `/predict?preprocess=${long(12_000)}`,
    headers: { 'content-type': 'application/json' },
    body: '{}',
  },
  'a long Host header': { method: 'GET', path: '/health/live', headers: { host: long(12_000) } },
  'an output named toString': json('/v2/models/mnist/infer', {
    inputs: [{ name: 'pixels', shape: [1, 784], datatype: 'FP32', data: pixels }],
    outputs: [{ name: 'toString' }],
  }),
  'thousands of long output names': json('/v2/models/mnist/infer', {
    inputs: [{ name: 'pixels', shape: [1, 784], datatype: 'FP32', data: pixels }],
    outputs: Array.from({ length: 800 }, (_, i) => ({ name: `${i}${long(100)}` })),
  }),
  'a long tensor name': json('/v2/models/mnist/infer', { inputs: [{ name: long(50_000), shape: [1, 783], datatype: 'FP32', data: [] }] }),
  'a long unknown model name': json(`/v2/models/${long(10_000)}/infer`, { inputs: [] }),
  'many invalid batch items': json('/predict/batch', { inputs: Array.from({ length: 200 }, () => ({ pixels: [long(1_000)] })) }),
  'a long unknown key': json('/predict', { [long(20_000)]: 1 }),
  'a file name that is long': (() => {
    const form = multipart([{ name: 'image', filename: `${long(5_000)}.png`, data: Buffer.from('not a png') }]);
    return { method: 'POST', path: '/predict', headers: { 'content-type': form.contentType }, body: form.body };
  })(),
};

describe('the log, under hostile requests', () => {
  it('holds no line over a kilobyte and a half, and no 500', async () => {
    const port = await freePort();
    const service = startService({ PORT: String(port), WORKERS: '1', ACCESS_LOG: 'on' });
    await service.ready(port);
    const base = `http://127.0.0.1:${port}`;
    for (const [what, out] of Object.entries(hostile)) {
      const r = await send(base, out);
      expect(isAnswer(r) && r.status < 500, `${what}: ${describeAnswer(r)}`).toBe(true);
    }
    // one worker answers in order: once this one is logged, so is everything before it
    await send(base, { method: 'GET', path: '/health/live', headers: { 'x-request-id': 'last-one' } });
    await service.waitFor('the last request logged', () => service.logs('"last-one"').some((r) => r.msg === 'request completed'));
    service.signal('SIGTERM');
    expect(await service.exited).toBe(0);
    const lines = service.stdout().split('\n');
    const longest = lines.reduce((a, b) => (Buffer.byteLength(b) > Buffer.byteLength(a) ? b : a), '');
    expect(Buffer.byteLength(longest), longest.slice(0, 300)).toBeLessThanOrEqual(MAX_LINE_BYTES);
    expect(service.logs('unhandled error')).toEqual([]);
  });
});

describe('the access log', () => {
  it('is off by default: no line per request, but a refused request is still logged with its code and request id', async () => {
    const port = await freePort();
    const service = startService({ PORT: String(port), WORKERS: '1' });
    await service.ready(port);
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 5; i++) await send(base, { method: 'GET', path: '/health/live' });
    const refused = await send(base, {
      ...json('/predict', { pixels: [1, 2] }),
      headers: { 'content-type': 'application/json', 'x-request-id': 'refused-one' },
    });
    expect(refused.status).toBe(400);
    await service.waitFor('the refusal logged', () => service.logs('"refused-one"').length > 0);
    expect(service.logs('"refused-one"')[0]).toMatchObject({ msg: 'client error', code: 'invalid_input' });
    service.signal('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(service.logs('incoming request')).toEqual([]);
    expect(service.logs('request completed')).toEqual([]);
  });
});
