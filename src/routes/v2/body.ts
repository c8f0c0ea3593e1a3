/**
 * The bodies the infer routes read: the protocol's JSON, and Triton's binary tensor data
 * extension (a JSON header, then the tensors' bytes: binary.ts). Triton's Python client sends
 * either with no Content-Type at all; other clients say application/octet-stream, SageMaker's
 * application/vnd.sagemaker-triton.binary+json, or application/json. Registered on the infer
 * routes' own scope, so every other route keeps its parsers. JSON keeps MAX_JSON_BYTES and the
 * look at its shape before it is parsed (http/json-body.ts); a body with a binary part may be
 * as large as a multipart one, MAX_BODY_BYTES.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { jsonShapeLimits, jsonShapeProblem } from '../../http/json-body.js';
import { HttpProblem } from '../../http/problem.js';
import { clip, thousands } from '../../one-line.js';
import { declaredHeaderLength, OCTET_STREAM, SAGEMAKER_BINARY, splitBody } from './binary.js';

const JSON_TYPE = 'application/json';
const ACCEPTED_TYPES: readonly string[] = [JSON_TYPE, OCTET_STREAM, SAGEMAKER_BINARY];

/** A request body as read: its JSON, its binary part if it has one, and whether it came SageMaker's way (answered the same way). */
export class InferBody {
  constructor(
    readonly json: unknown,
    readonly binary: Buffer | undefined,
    readonly sagemaker: boolean,
  ) {}
}

/** The request's body, or the problem of its having none. */
export function receivedBody(body: unknown): InferBody {
  if (body instanceof InferBody) return body;
  throw new HttpProblem('empty_body', 'send an inference request: JSON {"inputs": [...]}, with or without binary tensors after it');
}

const mediaType = (request: FastifyRequest) => request.headers['content-type']?.split(';')[0]!.trim().toLowerCase();

export function registerInferBodies(
  scope: FastifyInstance,
  config: Pick<Config, 'MAX_JSON_BYTES' | 'MAX_BODY_BYTES' | 'MAX_BATCH_FILES'>,
): void {
  const limits = jsonShapeLimits(config);
  // fastify's own parser, with its defaults against prototype poisoning
  const parseJson = scope.getDefaultJsonParser('error', 'error');

  // refused before the body is read; a missing Content-Type is Triton's client's way
  scope.addHook('onRequest', async (request) => {
    const type = mediaType(request);
    if (type === undefined || ACCEPTED_TYPES.includes(type)) return;
    throw new HttpProblem(
      'unsupported_media_type',
      `a body of type ${clip(type)} is not read here; send ${JSON_TYPE}, or a JSON header and binary tensors as ${OCTET_STREAM} ` +
        'with Inference-Header-Content-Length',
    );
  });

  const parse = (request: FastifyRequest, body: Buffer, done: (err: Error | null, body?: unknown) => void) => {
    try {
      const headerLength = declaredHeaderLength(request.headers);
      const { json, binary } = headerLength === undefined ? { json: body, binary: undefined } : splitBody(body, headerLength);
      if (json.length > config.MAX_JSON_BYTES) {
        throw new HttpProblem(
          'body_too_large',
          `the JSON is larger than ${thousands(config.MAX_JSON_BYTES)} bytes (the server's MAX_JSON_BYTES)`,
        );
      }
      const problem = jsonShapeProblem(json, limits);
      if (problem) throw new HttpProblem('invalid_input', `${problem}; no request to this API needs as many`);
      const sagemaker = mediaType(request) === SAGEMAKER_BINARY;
      // the default parser answers through its callback; its return value carries nothing
      void parseJson(request, json.toString('utf8'), (err, value) =>
        err ? done(err, undefined) : done(null, new InferBody(value, binary, sagemaker)),
      );
    } catch (err) {
      done(err as Error, undefined);
    }
  };

  scope.removeContentTypeParser([JSON_TYPE, OCTET_STREAM]);
  scope.addContentTypeParser(JSON_TYPE, { parseAs: 'buffer', bodyLimit: config.MAX_JSON_BYTES }, parse);
  // '*' is also what fastify asks for a body without a Content-Type
  for (const type of [OCTET_STREAM, SAGEMAKER_BINARY, '*']) {
    scope.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: config.MAX_BODY_BYTES }, parse);
  }
}
