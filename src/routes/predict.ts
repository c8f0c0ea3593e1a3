import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ModelChoice, PredictQuery } from '../http/input-schemas.js';
import { predictOptions, readBatchInputs, readSingleInput, uploadLimits } from '../http/inputs.js';
import { problemResponses } from '../http/openapi.js';
import type { ItemResult } from '../inference/predictor.js';
import { takeTurn } from '../inference/turns.js';
import { withModel } from './model-choice.js';
import type { ServedModel } from '../models/served-model.js';
import { batchAnswer, countItemFailures, countRefusedRequests, inputProblems, serializeDirectly } from './input-failures.js';
import { BatchResponse, PredictResponse } from './schemas.js';

export const predictRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { config, metrics } = app;
  const limits = uploadLimits(config);

  const count = (served: ServedModel, results: readonly ItemResult[]) => {
    for (const r of countItemFailures(app, results, served.metricLabels))
      metrics.predictions.inc({ ...served.metricLabels, class: String(r.prediction) });
  };
  countRefusedRequests(app);

  app.post(
    '/predict',
    {
      schema: {
        summary: 'Classify one image',
        description:
          'Multipart (file field `image`), a raw image body (`image/*` or `application/octet-stream`), or JSON `{"pixels": [784 numbers in 0..1]}`.',
        tags: ['predict'],
        querystring: PredictQuery.extend(ModelChoice.shape),
        response: { 200: PredictResponse, ...problemResponses(...inputProblems()) },
      },
      serializerCompiler: serializeDirectly,
    },
    async (request) => {
      // before the body is parsed: a request waiting for its turn holds only its raw bytes
      await takeTurn();
      // the model first: one not served is 404 before the body is read, and every refusal after counts under it
      return withModel(request, request.query, async (served) => {
        const { items: item, fields } = await readSingleInput(request, limits);
        const result = await served.predictor.predictOne(item, predictOptions(request.query, fields));
        count(served, [result]);
        return { ...result, model: served.ref };
      });
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
        querystring: PredictQuery.extend(ModelChoice.shape),
        response: { 200: BatchResponse, ...problemResponses(...inputProblems('too_many_images')) },
      },
      serializerCompiler: serializeDirectly,
    },
    async (request) => {
      // as /predict: the turn first, then the body
      await takeTurn();
      // the model first: one not served is 404 before the body is read, and every refusal after counts under it
      return withModel(request, request.query, async (served) => {
        const { items, fields } = await readBatchInputs(request, { ...limits, maxItems: config.MAX_BATCH_FILES });
        metrics.batchSize.observe(items.length);
        const results = await served.predictor.predictMany(items, predictOptions(request.query, fields));
        count(served, results);
        return batchAnswer(served.ref, results);
      });
    },
  );
};
