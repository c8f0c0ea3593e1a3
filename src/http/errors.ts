/**
 * The one error handler: every failure leaves as a problem+json body with a stable code.
 * Client mistakes get their specific 4xx; anything else is logged with the request and
 * answered as a generic 500, never with internals.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bodyTooLarge, unsupportedBody } from './bodies.js';
import { HttpProblem, PROBLEM_CONTENT_TYPE, problemBody, type ProblemCode } from './problem.js';

/** Fastify's and @fastify/multipart's own error codes, translated to ours. */
const FRAMEWORK_CODES: Record<string, ProblemCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'empty_body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_VALIDATION: 'invalid_input',
  FST_REQ_FILE_TOO_LARGE: 'image_too_large',
  FST_FILES_LIMIT: 'too_many_images',
  FST_PARTS_LIMIT: 'too_many_images',
  FST_FIELDS_LIMIT: 'bad_request',
  FST_PROTO_VIOLATION: 'bad_request',
  // @fastify/under-pressure has already set Retry-After on the reply
  FST_UNDER_PRESSURE: 'overloaded',
};

export function toHttpProblem(err: unknown): HttpProblem | undefined {
  if (err instanceof HttpProblem) return err;
  const e = err as Partial<FastifyError>;
  const mapped = e.code === undefined ? undefined : FRAMEWORK_CODES[e.code];
  if (mapped) return new HttpProblem(mapped, e.message);
  // fastify's JSON parser reports syntax errors as a plain 400 SyntaxError
  if (err instanceof SyntaxError && e.statusCode === 400) return new HttpProblem('invalid_json', err.message);
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new HttpProblem('bad_request', e.message, { status: e.statusCode });
  }
  return undefined;
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: HttpProblem): FastifyReply {
  const body = problem.toProblem(request.url);
  return reply.code(body.status).headers(problem.headers).type(PROBLEM_CONTENT_TYPE).send(body);
}

export function registerErrorHandling(app: FastifyInstance): void {
  const routes = new RouteMethods();
  app.addHook('onRoute', (route) => routes.add(route.url, route.method));

  app.setErrorHandler((err, request, reply) => {
    const code = (err as Partial<FastifyError>).code;
    // fastify's own wording names neither the limit nor what the route would have read
    const problem =
      code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? bodyTooLarge(request, app.config)
        : code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? unsupportedBody(request)
          : toHttpProblem(err);
    if (problem) {
      request.log.info({ code: problem.code, detail: problem.detail }, 'client error');
      return sendProblem(reply, request, problem);
    }
    request.log.error({ err }, 'unhandled error');
    return sendProblem(reply, request, new HttpProblem('internal_error', 'the request could not be completed'));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = routes.allowedAt(path);
    if (allowed.length === 0) return sendProblem(reply, request, new HttpProblem('not_found', `no route for ${request.method} ${path}`));
    const allow = allowed.join(', ');
    const detail = `${path} answers ${allow}, not ${request.method}`;
    return sendProblem(reply, request, new HttpProblem('method_not_allowed', detail, { allow: allowed }, { allow }));
  });
}

/** The methods each route path answers, for a 405 that says which (RFC 9110: with Allow). */
class RouteMethods {
  private readonly routes: { readonly pattern: RegExp; readonly methods: readonly string[] }[] = [];

  add(url: string, method: string | readonly string[]): void {
    const methods = (typeof method === 'string' ? [method] : method).filter((m) => m !== 'OPTIONS');
    // a CORS preflight answers OPTIONS on every path: it says nothing about what a path serves
    if (methods.length === 0) return;
    const pattern = url
      .split('/')
      .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    this.routes.push({ pattern: new RegExp(`^${pattern}/?$`), methods });
  }

  allowedAt(path: string): string[] {
    const methods = new Set(this.routes.filter((route) => route.pattern.test(path)).flatMap((route) => route.methods));
    return [...methods].sort();
  }
}

/** Status for HTTP that Node's parser refused before fastify saw a request. */
function malformedStatus(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/**
 * Node's HTTP parser rejects garbage (a bad request line, a bad Content-Length, huge headers)
 * before any route runs; the client still gets a problem body, then the connection closes.
 */
export function answerMalformedHttp(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = malformedStatus(err.code);
  const body = JSON.stringify(problemBody('bad_request', `malformed HTTP request (${err.code ?? err.message})`, undefined, { status }));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
