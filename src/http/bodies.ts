/**
 * What a client is told when its body is refused before any route reads it: which body kinds a
 * route takes (with a curl line), and which limit a too-large body ran into and the setting
 * that raises it. Fastify raises both errors itself; these give them words a user can act on.
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { thousands } from '../one-line.js';
import { HttpProblem } from './problem.js';

const BATCH_ROUTE = /\/batch$/;

/** 415: the route's accepted bodies, each with the curl line that sends it. */
export function unsupportedBody(request: FastifyRequest): HttpProblem {
  const path = request.url.split('?')[0]!;
  const type = request.headers['content-type'] ?? 'none';
  const url = `http://HOST${path}`;
  const ways = BATCH_ROUTE.test(path)
    ? [`multipart/form-data (curl -F images=@a.png -F images=@b.png ${url})`, 'JSON {"inputs": [{"image": "<base64>"}, ...]}']
    : [
        `multipart/form-data (curl -F image=@digit.png ${url})`,
        `a raw image (curl -H 'Content-Type: image/png' --data-binary @digit.png ${url})`,
        'JSON {"image": "<base64 or data URL>"} or {"pixels": [784 values in 0..1]}',
      ];
  return new HttpProblem('unsupported_media_type', `a body of type ${type} is not read here; send ${ways.join(', or ')}`, {
    accepted: BATCH_ROUTE.test(path) ? ['multipart/form-data', 'application/json'] : ['multipart/form-data', 'image/*', 'application/json'],
  });
}

/** 413 for a body over its parser's limit: the limit, in bytes, and the setting that sets it. */
export function bodyTooLarge(request: FastifyRequest, config: Config): HttpProblem {
  const type = (request.headers['content-type'] ?? '').toLowerCase();
  const [what, setting] = type.startsWith('application/json')
    ? (['JSON bodies', 'MAX_JSON_BYTES'] as const)
    : type.startsWith('image/') || type.startsWith('application/octet-stream')
      ? (['raw image bodies', 'MAX_FILE_BYTES'] as const)
      : (['request bodies', 'MAX_BODY_BYTES'] as const);
  return new HttpProblem('body_too_large', `the body is larger than ${limitText(config[setting], setting)} for ${what}`, {
    limitBytes: config[setting],
    setting,
  });
}

/** "5,000,000 bytes (the server's MAX_FILE_BYTES)": a limit as a message names it. */
export const limitText = (bytes: number, setting: string) => `${thousands(bytes)} bytes (the server's ${setting})`;
