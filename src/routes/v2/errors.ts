/**
 * Every failure under /v2 in the protocol's shape, {"error": "code: detail"}, with the HTTP
 * status of the matching problem: the routes' own, what their hooks and body parsers raise, and
 * a path or method that no route answers.
 */
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { toHttpProblem } from '../../http/errors.js';
import { HttpProblem } from '../../http/problem.js';
import { clip, thousands } from '../../one-line.js';

function send(reply: FastifyReply, problem: HttpProblem) {
  return reply
    .code(problem.status)
    .headers(problem.headers)
    .send({ error: `${problem.code}: ${problem.detail ?? problem.message}` });
}

/** fastify's own wording names neither the limit nor the setting that raises it */
function bodyTooLarge(request: FastifyRequest, config: Pick<Config, 'MAX_JSON_BYTES' | 'MAX_BODY_BYTES'>): HttpProblem {
  const json = (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json');
  const [limit, setting] = json ? [config.MAX_JSON_BYTES, 'MAX_JSON_BYTES'] : [config.MAX_BODY_BYTES, 'MAX_BODY_BYTES'];
  return new HttpProblem('body_too_large', `the body is larger than ${thousands(limit)} bytes (the server's ${setting})`);
}

export function v2Errors(scope: FastifyInstance): void {
  scope.setErrorHandler((err, request, reply) => {
    const tooLarge = (err as Partial<FastifyError>).code === 'FST_ERR_CTP_BODY_TOO_LARGE';
    const problem = tooLarge ? bodyTooLarge(request, scope.config) : toHttpProblem(err);
    if (problem) {
      request.log.info({ code: problem.code, detail: problem.detail }, 'client error');
      return send(reply, problem);
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: 'internal_error: the request could not be completed' });
  });
}

/** The protocol's paths and the methods they answer (HEAD with every GET, as fastify serves it). */
const PATHS: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/^\/v2$/, ['GET', 'HEAD']],
  [/^\/v2\/health\/(?:live|ready)$/, ['GET', 'HEAD']],
  [/^\/v2\/models\/[^/]+(?:\/versions\/[^/]+)?(?:\/ready)?$/, ['GET', 'HEAD']],
  [/^\/v2\/models\/[^/]+(?:\/versions\/[^/]+)?\/infer$/, ['POST']],
  [/^\/v2\/repository\/index$/, ['GET', 'HEAD', 'POST']],
  [/^\/v2\/repository\/models\/[^/]+\/(?:load|unload)$/, ['POST']],
];

/** Registered with the prefix /v2: a path there that no route answers is the protocol's 404, or 405 with Allow. */
export const v2NotFound: FastifyPluginAsync = async (scope) => {
  scope.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = PATHS.find(([pattern]) => pattern.test(path))?.[1];
    if (allowed === undefined || allowed.includes(request.method)) {
      return send(reply, new HttpProblem('not_found', `no route for ${request.method} ${clip(path, 200)}`));
    }
    // RFC 9110: a 405 says, in Allow, which methods the path answers
    const allow = allowed.join(', ');
    return reply
      .code(405)
      .header('allow', allow)
      .send({ error: `method_not_allowed: ${clip(path, 200)} answers ${allow}, not ${request.method}` });
  });
};
