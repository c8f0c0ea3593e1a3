/**
 * What a request contributes to the log. Fastify's default request serializer copies the URL
 * and Host header whole, so a client could make every log line as long as Node's header limit;
 * these are cut to a length that still identifies the route and the caller.
 */
import type { FastifyRequest } from 'fastify';
import { shortened } from './problem.js';

const MAX_FIELD_CHARS = 256;

const cut = (value: string | undefined) => value && shortened(value, MAX_FIELD_CHARS);

export function requestLogFields(request: FastifyRequest) {
  return {
    method: request.method,
    url: cut(request.url),
    host: cut(request.host),
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
