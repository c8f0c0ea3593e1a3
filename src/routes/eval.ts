import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EvalReport } from '../eval/job.js';
import { HttpProblem } from '../http/problem.js';

const EvalQuery = z.object({
  refresh: z
    .enum(['0', '1', 'true', 'false'])
    .optional()
    .transform((v) => v === '1' || v === 'true')
    .describe('1 recomputes instead of answering the cached result'),
});

export const evalRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get('/eval', { schema: { querystring: EvalQuery, response: { 200: EvalReport } } }, async (request) => {
    const job = app.evalJob;
    if (!job) {
      throw new HttpProblem('eval_unavailable', 'no labelled dataset is configured: set MNIST_DIR to a folder holding the MNIST t10k files');
    }
    try {
      return await job.get(request.query.refresh);
    } catch (err) {
      throw new HttpProblem('eval_unavailable', `the labelled dataset could not be loaded: ${(err as Error).message}`);
    }
  });
};
