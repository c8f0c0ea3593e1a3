/** CORS_ORIGINS: what a browser on another origin sees, on a real listening server. */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { toyDigitModel } from '../support/models.js';
import { startServer, testConfig, type RunningServer } from '../support/server.js';
import { strokePixels } from '../support/pixels.js';

const APP = 'https://app.example.com';
const DEV = 'http://localhost:5173';
const KEY = 'cors-key-0123456789abcdef';
const pixels = strokePixels();

/** every API route a page may call, as a preflight names it */
const API_ROUTES: [method: string, path: string][] = [
  ['POST', '/predict'],
  ['POST', '/predict/batch'],
  ['POST', '/read'],
  ['POST', '/read/batch'],
  ['GET', '/eval'],
  ['POST', '/v2/models/mnist/infer'],
];

function preflight(server: RunningServer, path: string, origin: string, method = 'POST') {
  return request(server.url)
    .options(path)
    .set('origin', origin)
    .set('access-control-request-method', method)
    .set('access-control-request-headers', 'content-type,authorization,x-api-key,x-request-id');
}

function expectPreflightAnswer(res: request.Response, origin: string): void {
  expect(res.status).toBe(204);
  expect(res.headers['access-control-allow-origin']).toBe(origin);
  expect(res.headers['access-control-allow-methods']).toBe('GET, HEAD, POST');
  expect(res.headers['access-control-allow-headers']).toBe(
    'Content-Type, Authorization, X-API-Key, X-Request-Id, Inference-Header-Content-Length',
  );
  expect(res.headers['access-control-max-age']).toBe('600');
  expect(res.headers['content-length']).toBe('0');
}

function expectExposed(res: request.Response): void {
  expect(res.headers['access-control-expose-headers']).toBe(
    'X-Request-Id, Inference-Header-Content-Length, Retry-After, RateLimit-Policy, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, WWW-Authenticate',
  );
}

describe('CORS_ORIGINS unset (the default)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({}, { model: toyDigitModel() });
  });
  afterAll(() => server?.close());

  it('sends no CORS header on an answer, and a preflight is refused as any unrouted method is', async () => {
    const res = await request(server.url).post('/predict').set('origin', APP).send({ pixels }).expect(200);
    expect(Object.keys(res.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    const options = await preflight(server, '/predict', APP);
    expect([404, 405]).toContain(options.status);
    expect(options.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Object.keys(options.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });
});

describe('CORS_ORIGINS=*', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ CORS_ORIGINS: '*' }, { model: toyDigitModel() });
  });
  afterAll(() => server?.close());

  it('allows any origin on an answer and exposes the headers a client reads', async () => {
    const res = await request(server.url).post('/predict').set('origin', 'https://anywhere.example').send({ pixels }).expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expectExposed(res);
  });

  it('answers the preflight of every API route with 204, the methods and the request headers', async () => {
    for (const [method, path] of API_ROUTES) {
      expectPreflightAnswer(await preflight(server, path, 'https://anywhere.example', method), '*');
    }
  });
});

describe('CORS_ORIGINS as a list of origins', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ CORS_ORIGINS: `${APP}, ${DEV}` }, { model: toyDigitModel() });
  });
  afterAll(() => server?.close());

  it('echoes a listed origin with Vary: Origin', async () => {
    for (const origin of [APP, DEV]) {
      const res = await request(server.url).post('/predict').set('origin', origin).send({ pixels }).expect(200);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers['vary']).toMatch(/\bOrigin\b/i);
      expectExposed(res);
      const options = await preflight(server, '/predict', origin);
      expectPreflightAnswer(options, origin);
      expect(options.headers['vary']).toMatch(/\bOrigin\b/i);
    }
  });

  it('gives an unlisted origin no allow header, on an answer or a preflight', async () => {
    for (const origin of ['https://evil.example', 'https://app.example.com.evil.example', 'http://app.example.com']) {
      const res = await request(server.url).post('/predict').set('origin', origin).send({ pixels }).expect(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['vary']).toMatch(/\bOrigin\b/i);
      const options = await preflight(server, '/predict', origin);
      expect(options.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('puts the headers on a problem+json answer too (415 unsupported_media_type, 404 not_found)', async () => {
    const unsupported = await request(server.url).post('/predict').set('origin', APP).set('content-type', 'text/plain').send('seven');
    expect([unsupported.status, unsupported.body.code]).toEqual([415, 'unsupported_media_type']);
    expect(unsupported.headers['access-control-allow-origin']).toBe(APP);
    expectExposed(unsupported);
    const missing = await request(server.url).get('/nowhere').set('origin', APP);
    expect([missing.status, missing.headers['access-control-allow-origin']]).toEqual([404, APP]);
  });
});

describe('CORS with API_KEYS and RATE_LIMIT_MAX', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(
      { CORS_ORIGINS: APP, API_KEYS: KEY, RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' },
      { model: toyDigitModel() },
    );
  });
  afterAll(() => server?.close());

  const predict = () => request(server.url).post('/predict').set('origin', APP);

  it('puts the headers on a 401, so the page can read why', async () => {
    const res = await predict().send({ pixels });
    expect([res.status, res.body.code]).toEqual([401, 'unauthorized']);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expectExposed(res);
  });

  it('answers preflights without a key and without counting them; the 429 carries the headers', async () => {
    const first = await predict().set('x-api-key', KEY).send({ pixels }).expect(200);
    const remaining = Number(first.headers['ratelimit-remaining']);
    expect(remaining).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) {
      for (const [method, path] of API_ROUTES) {
        const res = await preflight(server, path, APP, method);
        expectPreflightAnswer(res, APP);
        expect(res.headers['ratelimit-remaining']).toBeUndefined();
      }
    }
    const second = await predict().set('authorization', `Bearer ${KEY}`).send({ pixels }).expect(200);
    expect(Number(second.headers['ratelimit-remaining'])).toBe(remaining - 1);

    let limited = second;
    for (let i = 0; i < 3 && limited.status !== 429; i++) limited = await predict().set('x-api-key', KEY).send({ pixels });
    expect([limited.status, limited.body.code]).toEqual([429, 'rate_limited']);
    expect(limited.headers['access-control-allow-origin']).toBe(APP);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expectExposed(limited);
  });
});

describe('a bad CORS_ORIGINS', () => {
  function configError(value: string): string {
    try {
      testConfig({ CORS_ORIGINS: value });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error(`CORS_ORIGINS=${value} was accepted`);
  }

  it('is a one-line config error naming the entry that is no origin', async () => {
    expect(configError(`${APP},${APP}/digits`)).toBe(
      'invalid configuration: CORS_ORIGINS: not an origin (scheme://host[:port]): "https://app.example.com/digits" (got "https://app.example.com,https://app.exa... (56 chars))',
    );
    expect(configError('localhost:5173')).toBe(
      'invalid configuration: CORS_ORIGINS: not an origin (scheme://host[:port]): "localhost:5173" (got "localhost:5173")',
    );
  });

  it('says what a browser would send for an entry that could never match', async () => {
    expect(configError(`${APP}/`)).toBe(
      'invalid configuration: CORS_ORIGINS: a browser sends "https://app.example.com/" as "https://app.example.com" (got "https://app.example.com/")',
    );
    expect(configError('HTTPS://App.Example.com:443')).toMatch(
      /^invalid configuration: CORS_ORIGINS: a browser sends .* as "https:\/\/app\.example\.com"/,
    );
  });

  it('refuses * in a list, and takes * alone, a list with spaces, or nothing', async () => {
    expect(configError(`*,${DEV}`)).toBe(
      `invalid configuration: CORS_ORIGINS: * allows any origin and stands alone, not in a list (got "*,${DEV}")`,
    );
    expect(testConfig({ CORS_ORIGINS: '*' }).CORS_ORIGINS).toEqual(['*']);
    expect(testConfig({ CORS_ORIGINS: ` ${APP} , ${DEV} ` }).CORS_ORIGINS).toEqual([APP, DEV]);
    expect(testConfig({ CORS_ORIGINS: '' }).CORS_ORIGINS).toEqual([]);
    expect(testConfig({}).CORS_ORIGINS).toEqual([]);
  });
});
