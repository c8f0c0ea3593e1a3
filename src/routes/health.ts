import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problemResponses } from '../http/openapi.js';
import { HttpProblem } from '../http/problem.js';
import { ModelRef } from './schemas.js';

const Live = z.object({ status: z.literal('ok') });
const Ready = z.object({ status: z.literal('ready'), model: ModelRef });

export const healthRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/health/live',
    { schema: { summary: 'Liveness: the process serves requests', tags: ['health'], response: { 200: Live } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/ready',
    {
      schema: {
        summary: 'Readiness: weights loaded and a warm-up prediction done; 503 before that and while shutting down',
        tags: ['health'],
        response: { 200: Ready, ...problemResponses('not_ready') },
      },
    },
    async () => {
      if (!app.readiness.ready) throw new HttpProblem('not_ready', app.readiness.reason);
      return { status: 'ready' as const, model: app.models.default.ref };
    },
  );
};
