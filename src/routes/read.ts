/**
 * POST /read and /read/batch: pictures of numbers -> the digits read left to right, each with
 * its probabilities and its box. The same inputs as /predict, through the same readers.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ModelChoice } from '../http/input-schemas.js';
import { readBatchInputs, readSingleInput, uploadLimits } from '../http/inputs.js';
import { problemResponses } from '../http/openapi.js';
import { Reading, type ReadResult } from '../inference/reader.js';
import { takeTurn } from '../inference/turns.js';
import { readerOf, withModel } from './model-choice.js';
import type { ServedModel } from '../models/served-model.js';
import { batchAnswer, countItemFailures, countRefusedRequests, inputProblems, serializeDirectly } from './input-failures.js';
import { BatchItemError, ModelRef } from './schemas.js';

export const ReadResponse = Reading.extend({ model: ModelRef });

export const ReadBatchResponse = z.object({
  count: z.number().int().describe('number of pictures, answered in input order'),
  model: ModelRef,
  results: z.array(z.union([ReadResponse, BatchItemError])),
});

const READ_PROBLEMS = inputProblems('several_lines', 'too_many_digits', 'not_a_digit_model');

export const readRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { config, metrics } = app;
  const limits = uploadLimits(config);

  const count = (served: ServedModel, results: readonly ReadResult[]) => {
    for (const reading of countItemFailures(app, results, served.metricLabels)) {
      metrics.digitsRead.observe(reading.digits.length);
      for (const digit of reading.digits) metrics.predictions.inc({ ...served.metricLabels, class: String(digit.prediction) });
    }
  };
  countRefusedRequests(app);

  app.post(
    '/read',
    {
      schema: {
        summary: 'Read the number in a picture',
        description:
          'One picture of a line of digits (a postal code, an amount, a form field): multipart (file field `image`), a raw image ' +
          'body (`image/*` or `application/octet-stream`), or JSON `{"image": "<base64 or data URL>"}`. Answers the digits left to ' +
          'right with their probabilities and boxes. A picture with no digit is `no_digit`, one with several lines `several_lines`.',
        tags: ['read'],
        querystring: ModelChoice,
        response: { 200: ReadResponse, ...problemResponses(...READ_PROBLEMS) },
      },
      serializerCompiler: serializeDirectly,
    },
    async (request) => {
      // before the body is parsed, as /predict: a request waiting for its turn holds only its raw bytes
      await takeTurn();
      // the model first: one not served is 404 before the body is read, and every refusal after counts under it
      return withModel(request, request.query, async (served) => {
        const reader = readerOf(served);
        const { items: item } = await readSingleInput(request, limits);
        // a refusal is thrown, and counted once, by countRefusedRequests' hook
        const result = await reader.readOne(item);
        count(served, [result]);
        return { ...result, model: served.ref };
      });
    },
  );

  app.post(
    '/read/batch',
    {
      schema: {
        summary: 'Read the numbers in many pictures, every digit in one forward pass',
        description:
          'Repeated multipart file field `images`, or JSON `{"inputs": [{"image": "<base64 or data URL>"}, ...]}`. Results come in ' +
          'input order; a picture that cannot be read gets its own `error` (a problem) and the others are still answered.',
        tags: ['read'],
        querystring: ModelChoice,
        response: { 200: ReadBatchResponse, ...problemResponses(...READ_PROBLEMS, 'too_many_images') },
      },
      serializerCompiler: serializeDirectly,
    },
    async (request) => {
      await takeTurn();
      // the model first: one not served is 404 before the body is read, and every refusal after counts under it
      return withModel(request, request.query, async (served) => {
        const reader = readerOf(served);
        const { items } = await readBatchInputs(request, { ...limits, maxItems: config.MAX_BATCH_FILES });
        const results = await reader.readMany(items);
        count(served, results);
        return batchAnswer(served.ref, results);
      });
    },
  );
};
