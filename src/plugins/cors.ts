/**
 * CORS, so a web app on another origin can call the API (CORS_ORIGINS; unset, no CORS header is
 * sent). @fastify/cors hooks the whole app: its onRequest hook runs before the API scope's key
 * check and rate limit, answers a preflight there (204, never counted, no key asked for), and
 * on every other request sets the headers before anything can fail, so problem+json answers
 * (401, 415, 429, 503, ...) carry them too and a browser lets the page read them.
 */
import cors from '@fastify/cors';
import fp from 'fastify-plugin';

/** what the routes are called with */
const METHODS = ['GET', 'HEAD', 'POST'];
/** what clients send beyond the safelisted headers: a JSON or image body, a key (http/auth.ts), their own request id, a binary v2 body's JSON length */
const ALLOWED_HEADERS = ['Content-Type', 'Authorization', 'X-API-Key', 'X-Request-Id', 'Inference-Header-Content-Length'];
/** what a page may read beyond the safelisted headers: the request id, when to retry, the rate limit's state (http/rate-limit.ts), why a key was refused, where a binary v2 answer's JSON ends */
const EXPOSED_HEADERS = [
  'X-Request-Id',
  'Inference-Header-Content-Length',
  'Retry-After',
  'RateLimit-Policy',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'WWW-Authenticate',
];
/** how long a browser may reuse a preflight's answer */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** `origins`: ['*'] for any origin, or the exact origins allowed; none leaves CORS off. */
export const corsPolicy = fp<{ origins: readonly string[] }>(
  async (app, { origins }) => {
    if (origins.length === 0) return;
    await app.register(cors, {
      origin: [...origins],
      methods: METHODS,
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: PREFLIGHT_MAX_AGE_SECONDS,
      // a plain OPTIONS (no Origin, no Access-Control-Request-Method) is answered 204 like a preflight, not 400 text/plain
      strictPreflight: false,
    });
  },
  { name: 'cors' },
);
