import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { readBatchInputs, readSingleInput } from '../http/inputs.js';
import { HttpProblem } from '../http/problem.js';
import { BatchResponse, modelRef, PredictResponse } from './schemas.js';

export const predictRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { predictor, config } = app;
  const model = modelRef(predictor.model.info);
  const limits = { maxBodyBytes: config.MAX_BODY_BYTES, maxFileBytes: config.MAX_FILE_BYTES };

  app.post('/predict', { schema: { response: { 200: PredictResponse } } }, async (request) => {
    const item = await readSingleInput(request, limits);
    return { ...(await predictor.predictOne(item)), model };
  });

  app.post('/predict/batch', { schema: { response: { 200: BatchResponse } } }, async (request) => {
    const items = await readBatchInputs(request, { ...limits, maxItems: config.MAX_BATCH_FILES });
    const results = await predictor.predictMany(items);
    return {
      count: results.length,
      model,
      results: results.map((r) => (r instanceof HttpProblem ? { error: r.toProblem() } : { ...r, model })),
    };
  });
};
