/** GET /models: what the service serves, model by model and version by version. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problemResponses } from '../http/openapi.js';
import type { ServedModel } from '../models/served-model.js';

const ServedVersion = z.object({
  version: z.string(),
  sha256: z.string(),
  labels: z.array(z.string()).describe('what each class means, in class order'),
  profile: z.string().describe('how its pictures become its inputs: digits = MNIST normalisation and the no-digit rule'),
  state: z.literal('ready').describe('a version is listed once it is loaded, checked and warmed up'),
  eval: z
    .object({ dataset: z.string(), accuracy: z.number() })
    .nullable()
    .describe('its last /eval on its labelled set; null before the first is computed, or without a set'),
});

const ModelsResponse = z.object({
  default: z.string().describe('the model a request that names none gets'),
  models: z.array(
    z.object({
      name: z.string(),
      defaultVersion: z.string().describe('the version a request that names none gets: the highest'),
      versions: z.array(ServedVersion),
    }),
  ),
});

function describeVersion(model: ServedModel): z.infer<typeof ServedVersion> {
  const report = model.evalJob?.lastReport;
  return {
    version: model.ref.version,
    sha256: model.ref.sha256,
    labels: [...model.labels],
    profile: model.profile,
    state: 'ready',
    eval: report ? { dataset: report.dataset.name, accuracy: report.accuracy } : null,
  };
}

export const modelsRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/models',
    {
      schema: {
        summary: 'The models served, their versions, labels and last eval',
        tags: ['models'],
        response: { 200: ModelsResponse, ...problemResponses('unauthorized', 'rate_limited', 'overloaded') },
      },
    },
    async () => ({
      default: app.models.defaultModelName,
      models: app.models.models().map(({ name, versions }) => ({
        name,
        defaultVersion: versions.at(-1)!.ref.version,
        versions: versions.map(describeVersion),
      })),
    }),
  );
};
