/** What operators rely on: API keys, metrics, the OpenAPI document, rate limits. Real server, real port. */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBLEMS } from '../../src/http/problem.js';
import { toyDigitModel } from '../support/models.js';
import { startServer, type RunningServer } from '../support/server.js';
import { strokePixels } from '../support/pixels.js';

const KEY = 'test-key-0123456789abcdef';
const pixels = strokePixels();

describe('API keys', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ API_KEYS: `other-key-0123456789, ${KEY}` }, { model: toyDigitModel() });
  });
  afterAll(() => server?.close());

  it('refuses prediction and eval without a key, with 401 and WWW-Authenticate', async () => {
    for (const req of [request(server.url).post('/predict').send({ pixels }), request(server.url).get('/eval')]) {
      const res = await req;
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthorized');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('refuses a wrong key', async () => {
    const res = await request(server.url).post('/predict').set('authorization', 'Bearer nope').send({ pixels });
    expect([res.status, res.body.code]).toEqual([401, 'unauthorized']);
    expect(res.headers['www-authenticate']).toContain('invalid_token');
  });

  it('accepts any configured key as a bearer token or X-API-Key', async () => {
    await request(server.url).post('/predict').set('authorization', `Bearer ${KEY}`).send({ pixels }).expect(200);
    await request(server.url).post('/predict').set('x-api-key', 'other-key-0123456789').send({ pixels }).expect(200);
  });

  it('leaves health, metrics and docs open', async () => {
    await request(server.url).get('/health/live').expect(200);
    await request(server.url).get('/health/ready').expect(200);
    await request(server.url).get('/metrics').expect(200);
    await request(server.url).get('/openapi.json').expect(200);
  });
});

describe('metrics', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({}, { model: toyDigitModel() });
  });
  afterAll(() => server?.close());

  it('counts requests by route and status, predictions by class, batch sizes, input failures by code, and names the model', async () => {
    const one = await request(server.url).post('/predict').send({ pixels }).expect(200);
    await request(server.url)
      .post('/predict/batch')
      .send({ inputs: [{ pixels }, { pixels: [1] }, { pixels }] })
      .expect(200);
    await request(server.url).post('/predict').attach('image', Buffer.from('garbage'), 'x.png').expect(400);
    const text = (await request(server.url).get('/metrics').expect(200)).text;
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/predict",status_code="200",model="toy",version="000000000000"\} 1/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/predict",status_code="400",model="toy",version="000000000000"\} 1/,
    );
    expect(text).toContain(`digit_serve_predictions_total{model="toy",version="000000000000",class="${one.body.prediction}"} 3`);
    expect(text).toMatch(/digit_serve_batch_size_sum 3/);
    expect(text).toContain('digit_serve_input_failures_total{code="invalid_input",model="toy",version="000000000000"} 1');
    expect(text).toContain('digit_serve_input_failures_total{code="invalid_image",model="toy",version="000000000000"} 1');
    expect(text).toContain(
      `digit_serve_model_info{model="toy",version="000000000000",sha256="${'0'.repeat(64)}",architecture="784-16-10 sigmoid/softmax"} 1`,
    );
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('counts a /predict refused as a whole, wherever it was refused, once', async () => {
    const before = await failures();
    await request(server.url).post('/predict').field('note', 'no file').expect(400); // missing_image, while reading the form
    await request(server.url).post('/predict').attach('image', Buffer.from('not an image'), 'x.png').expect(400); // invalid_image, decoding
    await request(server.url).post('/predict').set('content-type', 'application/json').send('{"pixels": [').expect(400); // invalid_json, the parser
    await request(server.url).post('/predict').set('content-type', 'text/csv').send('1,2,3').expect(415); // before any route code
    await request(server.url).post('/predict/batch').send({ inputs: [] }).expect(400); // the batch's schema
    await request(server.url).post('/predict').send({ pixels }).expect(200);
    expect(diff(before, await failures())).toEqual({
      missing_image: 1,
      invalid_image: 1,
      invalid_json: 1,
      unsupported_media_type: 1,
      invalid_input: 1,
    });
  });

  const failures = async () => {
    const text = (await request(server.url).get('/metrics').expect(200)).text;
    // by code, whatever model the refusal was counted under
    const counts: Record<string, number> = {};
    for (const m of text.matchAll(/^digit_serve_input_failures_total\{code="(\w+)"[^}]*\} (\d+)$/gm))
      counts[m[1]!] = (counts[m[1]!] ?? 0) + Number(m[2]);
    return counts;
  };
  const diff = (before: Record<string, number>, after: Record<string, number>) =>
    Object.fromEntries(Object.entries(after).flatMap(([code, n]) => (n === (before[code] ?? 0) ? [] : [[code, n - (before[code] ?? 0)]])));
});

describe('OpenAPI', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({}, { model: toyDigitModel() });
  });
  afterAll(() => server?.close());

  it('documents every route, the request encodings and every problem code', async () => {
    const doc = (await request(server.url).get('/openapi.json').expect(200)).body;
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of ['/predict', '/predict/batch', '/eval', '/health/live', '/health/ready'])
      expect(doc.paths[path], path).toBeDefined();
    expect(Object.keys(doc.paths['/predict'].post.requestBody.content)).toEqual(
      expect.arrayContaining(['multipart/form-data', 'image/*', 'application/json']),
    );
    const documented = new Set<string>();
    type Responses = Record<string, { content?: Record<string, { schema?: { examples?: { code: string }[] } }> }>;
    for (const item of Object.values(doc.paths) as Record<string, { responses: Responses }>[]) {
      for (const op of Object.values(item)) {
        for (const response of Object.values(op.responses)) {
          for (const example of response.content?.['application/problem+json']?.schema?.examples ?? []) documented.add(example.code);
        }
      }
    }
    // the repository extension's own refusals come in the protocol's shape, {"error": "code: detail"}, not as problems
    const protocolOnly = ['default_model', 'model_load_failed'];
    const undocumented = Object.keys(PROBLEMS).filter(
      (c) => !documented.has(c) && !['not_found', 'method_not_allowed', 'internal_error', ...protocolOnly].includes(c),
    );
    expect(undocumented).toEqual([]);
  });

  it('serves a browsable page at /docs', async () => {
    const res = await request(server.url).get('/docs/').redirects(1).expect(200);
    expect(res.text).toMatch(/swagger/i);
  });
});

describe('rate limit', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' }, { model: toyDigitModel() });
  });
  afterAll(() => server?.close());

  it('answers 429 rate_limited past the limit, stating the configured limit and window, and keeps probes open', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await request(server.url).post('/predict').send({ pixels }).expect(200);
      expect(res.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': String(2 - i), 'ratelimit-policy': '3;w=60' });
    }
    const res = await request(server.url).post('/predict').send({ pixels });
    expect([res.status, res.body.code]).toEqual([429, 'rate_limited']);
    expect(res.body).toMatchObject({ limit: 3, windowSeconds: 60 });
    expect(res.body.detail).toMatch(/^at most 3 requests per 1 minute from one client; the current window ends in (\d+) s$/);
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(50);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.body.detail).toContain(`ends in ${retryAfter} s`);
    await request(server.url).get('/health/ready').expect(200);
  });
});
