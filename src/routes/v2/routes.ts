/**
 * The Open Inference Protocol (KServe v2) over HTTP/REST, so the service drops into KServe,
 * Seldon or Triton-style tooling: server health and metadata, and the model's metadata,
 * readiness and inference, each with or without the model's version in the path.
 * https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SERVICE_VERSION } from '../../config.js';
import { HttpProblem } from '../../http/problem.js';
import { v2Errors, v2NotFound } from './errors.js';
import { inferRoutes } from './infer.js';
import { metadata, servedAt } from './model.js';
import { ModelMetadata, ModelParams, ModelReady, V2_TAGS, V2Error, VersionParams } from './schemas.js';

/** Health and server metadata: open like the other probes. */
export const v2HealthRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  v2Errors(app);
  await app.register(v2NotFound, { prefix: '/v2' });
  const tags = V2_TAGS;
  app.get(
    '/v2',
    {
      schema: {
        tags,
        summary: 'Server metadata',
        response: { 200: z.object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) }) },
      },
    },
    // Triton's name for its binary tensor data extension, which infer takes and answers
    async () => ({ name: 'digit-serve', version: SERVICE_VERSION, extensions: ['binary_tensor_data'] }),
  );
  app.get(
    '/v2/health/live',
    { schema: { tags, summary: 'Server live', response: { 200: z.object({ live: z.boolean() }) } } },
    async () => ({
      live: true,
    }),
  );
  app.get(
    '/v2/health/ready',
    { schema: { tags, summary: 'Server ready', response: { 200: z.object({ ready: z.boolean() }), 503: V2Error } } },
    async () => {
      if (!app.readiness.ready) throw new HttpProblem('not_ready', app.readiness.reason);
      return { ready: true };
    },
  );
};

/** Model metadata, readiness and inference: behind the same keys and load shedding as /predict. */
export const v2ModelRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  v2Errors(app);
  const tags = V2_TAGS;
  const paths = [
    ['/v2/models/:model', ModelParams, ''],
    ['/v2/models/:model/versions/:version', VersionParams, ' (of one version)'],
  ] as const;
  for (const [path, params, which] of paths) {
    app.get(
      path,
      { schema: { tags, summary: `Model metadata${which}`, params, response: { 200: ModelMetadata, 404: V2Error } } },
      async (request) => metadata(app, request.params.model, servedAt(app, request.params)),
    );
    app.get(
      `${path}/ready`,
      { schema: { tags, summary: `Model ready${which}`, params, response: { 200: ModelReady, 404: V2Error, 503: V2Error } } },
      async (request) => {
        servedAt(app, request.params);
        if (!app.readiness.ready) throw new HttpProblem('not_ready', app.readiness.reason);
        return { name: request.params.model, ready: true };
      },
    );
  }
  await app.register(inferRoutes);
};
