import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { predictOptions, PredictQuery, readBatchInputs, readSingleInput, uploadLimits } from '../http/inputs.js';
import { problemResponses } from '../http/openapi.js';
import { toHttpProblem } from '../http/errors.js';
import { HttpProblem, type ProblemCode } from '../http/problem.js';
import type { ItemResult } from '../inference/predictor.js';
import { takeTurn } from '../inference/turns.js';
import { BatchResponse, modelRef, PredictResponse } from './schemas.js';

/** What a client's input can be refused for: each is counted in digit_serve_input_failures_total. */
const INPUT_FAILURES = [
  'bad_request',
  'invalid_json',
  'invalid_input',
  'missing_image',
  'empty_body',
  'invalid_image',
  'image_too_large',
  'too_many_pixels',
  'too_many_pixels_in_request',
  'extreme_aspect_ratio',
  'too_many_images',
  'body_too_large',
  'unsupported_media_type',
  'no_digit',
] as const satisfies readonly ProblemCode[];
const INPUT_PROBLEMS = [
  ...INPUT_FAILURES.filter((code) => code !== 'too_many_images'),
  'unauthorized',
  'rate_limited',
  'overloaded',
] as const;

/**
 * The two hot routes answer values built from typed results that already have the schemas'
 * shape (the type provider checks it at compile time; test/http/api.test.ts checks real
 * answers, good and bad, against the schemas): re-validating every answer with zod was a
 * measurable share of a request's time on the benchmarks, so they are serialised directly.
 */
const serializeDirectly = () => (data: unknown) => JSON.stringify(data);

export const predictRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { predictor, config, metrics } = app;
  const model = modelRef(predictor.model.info);
  const limits = uploadLimits(config);

  const count = (results: readonly ItemResult[]) => {
    for (const r of results) {
      if (r instanceof HttpProblem) metrics.inputFailures.inc({ code: r.code });
      else metrics.predictions.inc({ class: String(r.prediction) });
    }
  };
  // a whole request refused, wherever it was (the body's parser, the schema, the reading, the
  // model): counted here once; a batch's refused items are counted with its answers
  const inputFailures = new Set<ProblemCode>(INPUT_FAILURES);
  app.addHook('onError', async (_request, _reply, error) => {
    const problem = toHttpProblem(error);
    if (problem && inputFailures.has(problem.code)) metrics.inputFailures.inc({ code: problem.code });
  });

  app.post(
    '/predict',
    {
      schema: {
        summary: 'Classify one image',
        description:
          'Multipart (file field `image`), a raw image body (`image/*` or `application/octet-stream`), or JSON `{"pixels": [784 numbers in 0..1]}`.',
        tags: ['predict'],
        security: [{ bearer: [] }, { apiKey: [] }, {}],
        querystring: PredictQuery,
        response: { 200: PredictResponse, ...problemResponses(...INPUT_PROBLEMS) },
      },
      serializerCompiler: serializeDirectly,
    },
    async (request) => {
      // before the body is parsed: a request waiting for its turn holds only its raw bytes
      await takeTurn();
      const { items: item, fields } = await readSingleInput(request, limits);
      const result = await predictor.predictOne(item, predictOptions(request.query, fields));
      count([result]);
      return { ...result, model };
    },
  );

  app.post(
    '/predict/batch',
    {
      schema: {
        summary: 'Classify many images in one forward pass',
        description:
          'Repeated multipart file field `images`, or JSON `{"inputs": [{"pixels": [...]}, ...]}`. Results come in input order; ' +
          'an item that cannot be read gets its own `error` (a problem) and the others are still answered.',
        tags: ['predict'],
        security: [{ bearer: [] }, { apiKey: [] }, {}],
        querystring: PredictQuery,
        response: { 200: BatchResponse, ...problemResponses(...INPUT_PROBLEMS, 'too_many_images') },
      },
      serializerCompiler: serializeDirectly,
    },
    async (request) => {
      // as /predict: the turn first, then the body
      await takeTurn();
      const { items, fields } = await readBatchInputs(request, { ...limits, maxItems: config.MAX_BATCH_FILES });
      metrics.batchSize.observe(items.length);
      const results = await predictor.predictMany(items, predictOptions(request.query, fields));
      count(results);
      return {
        count: results.length,
        model,
        results: results.map((r) => (r instanceof HttpProblem ? { error: r.toProblem() } : { ...r, model })),
      };
    },
  );
};
