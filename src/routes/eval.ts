import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EvalReport } from '../eval/job.js';
import { Flag, ModelChoice } from '../http/input-schemas.js';
import { problemResponses } from '../http/openapi.js';
import { HttpProblem } from '../http/problem.js';
import { withModel } from './model-choice.js';

const EvalQuery = z.object({
  refresh: Flag.default(false).describe('1 or true recomputes instead of answering the cached result'),
});

export const evalRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/eval',
    {
      schema: {
        summary: 'Accuracy of the loaded model on a labelled set',
        description:
          'Computed once in the background at start-up and cached; `?refresh=1` recomputes (callers arriving meanwhile share the computation). ' +
          'Per-class accuracy and the confusion matrix (rows: true class, columns: predicted) come with it.',
        tags: ['eval'],
        querystring: EvalQuery.extend(ModelChoice.shape),
        response: {
          200: EvalReport,
          ...problemResponses('invalid_input', 'model_not_found', 'unauthorized', 'rate_limited', 'eval_unavailable', 'overloaded'),
        },
      },
    },
    async (request) =>
      withModel(request, request.query, async ({ evalJob: job }) => {
        if (!job) {
          throw new HttpProblem(
            'eval_unavailable',
            'no labelled dataset: set MNIST_DIR to a folder holding the MNIST t10k files (these weights ship no held-out digits)',
          );
        }
        try {
          return await job.get(request.query.refresh);
        } catch (err) {
          request.log.warn({ err }, 'eval set unavailable');
          // the client learns which file and what went wrong, never where the server keeps it
          throw new HttpProblem(
            'eval_unavailable',
            `the labelled dataset could not be loaded: ${withoutDirectories((err as Error).message)}`,
          );
        }
      }),
  );
};

/** Absolute paths in a message cut to their last part: /srv/data/t10k-labels-idx1-ubyte -> t10k-labels-idx1-ubyte. */
const withoutDirectories = (message: string) => message.replace(/(?:\/[^\s'",:/]+)+\/([^\s'",:/]+)/g, '$1');
