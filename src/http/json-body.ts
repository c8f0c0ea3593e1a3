/**
 * JSON bodies, parsed only after a look at their shape. JSON.parse holds the event loop for as
 * long as it runs, and what it costs follows the number of arrays, objects and keys far more
 * than the byte count: a few megabytes of `[[[[...]]]]` or of `{}` keep every other request on
 * the worker, health probes included, waiting for a second or more. No request of this API
 * needs more than a few containers per item or more than a handful of keys, so the raw bytes
 * are scanned once (a tight loop, far cheaper than the parse it guards) and bodies that nest
 * deeper or hold more containers or keys than any valid request are refused unparsed.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { HttpProblem } from './problem.js';

export interface JsonShapeLimits {
  /** arrays and objects inside one another */
  readonly maxDepth: number;
  /** arrays and objects in all */
  readonly maxContainers: number;
  /** object keys in all */
  readonly maxKeys: number;
}

/** A v2 tensor [n, 1, 28, 28] nests seven deep inside its request; the rest is headroom. */
const MAX_DEPTH = 32;
/** An item is at most an object and a [1, 28, 28] pixel array: 30 containers. */
const CONTAINERS_PER_ITEM = 32;
/** The request's own objects, a v2 request's inputs, outputs and parameters. */
const CONTAINERS_PER_REQUEST = 64;
/** Bodies name a few fields; v2 parameters may add some. */
const MAX_KEYS = 1_024;

export function jsonShapeLimits(config: Pick<Config, 'MAX_BATCH_FILES'>): JsonShapeLimits {
  return {
    maxDepth: MAX_DEPTH,
    maxContainers: CONTAINERS_PER_REQUEST + CONTAINERS_PER_ITEM * config.MAX_BATCH_FILES,
    maxKeys: MAX_KEYS,
  };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COLON = 0x3a;

/**
 * Why the body is refused before parsing, or undefined when its shape is within the limits.
 * Only structure outside strings counts; UTF-8 continuation bytes never equal these ASCII
 * bytes, so the bytes can be scanned undecoded. Malformed JSON is left for the parser to name.
 */
export function jsonShapeProblem(bytes: Uint8Array, limits: JsonShapeLimits): string | undefined {
  let depth = 0;
  let containers = 0;
  let keys = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > limits.maxDepth) return `the JSON nests deeper than ${limits.maxDepth} levels`;
      if (++containers > limits.maxContainers) return `the JSON holds more than ${limits.maxContainers} arrays and objects`;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--;
    } else if (byte === COLON) {
      if (++keys > limits.maxKeys) return `the JSON holds more than ${limits.maxKeys} object keys`;
    }
  }
  return undefined;
}

/** Replace fastify's JSON parser with one that has its own size limit and looks at the shape first. */
export function registerJsonBodies(app: FastifyInstance, config: Pick<Config, 'MAX_JSON_BYTES' | 'MAX_BATCH_FILES'>): void {
  const limits = jsonShapeLimits(config);
  // fastify's own parser, with its defaults against prototype poisoning
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: config.MAX_JSON_BYTES }, (request, body, done) => {
    const bytes = body as Buffer;
    const problem = jsonShapeProblem(bytes, limits);
    if (problem) {
      done(new HttpProblem('invalid_input', `${problem}; no request to this API needs as many`), undefined);
      return;
    }
    // the default parser answers through done; its return value carries nothing
    void parse(request, bytes.toString('utf8'), done);
  });
}
