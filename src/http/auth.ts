/**
 * Optional API keys. Keys are compared as SHA-256 digests with timingSafeEqual, so neither
 * the length nor the content of a key leaks through response timing, and every configured
 * key is compared on every request.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpProblem } from './problem.js';

const digest = (key: string) => createHash('sha256').update(key).digest();

/** The key a request presents: `Authorization: Bearer KEY` or `X-API-Key: KEY`. */
function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (match) return match[1];
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header.length > 0 ? header : undefined;
}

export function keyChecker(keys: readonly string[]): (presented: string) => boolean {
  const expected = keys.map(digest);
  return (presented) => {
    const candidate = digest(presented);
    let ok = false;
    for (const key of expected) ok = timingSafeEqual(candidate, key) || ok;
    return ok;
  };
}

/** Require a valid key on every route of `scope`; without keys configured, the hook is not installed. */
export function requireApiKey(scope: FastifyInstance, keys: readonly string[]): void {
  if (keys.length === 0) return;
  const isValid = keyChecker(keys);
  scope.addHook('onRequest', async (request, reply) => {
    const key = presentedKey(request);
    if (key === undefined) {
      reply.header('www-authenticate', 'Bearer');
      throw new HttpProblem('unauthorized', 'send an API key: Authorization: Bearer KEY, or X-API-Key: KEY');
    }
    if (!isValid(key)) {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw new HttpProblem('unauthorized', 'the API key is not valid');
    }
  });
}
