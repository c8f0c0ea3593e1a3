/**
 * The repository extension of the Open Inference Protocol (Triton's, KServe's): the index of
 * every version and its state, and loading or unloading a model by name. A load looks at the
 * model's folder now (a new or changed version is served once checked, warmed up and scored);
 * an unload stops serving every version of it (they drain, then are freed) until a load. In a
 * cluster the worker that answers tells the others, through the primary. Behind the API keys.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { WorkerLink } from '../../cluster/worker-link.js';
import type { RepositoryChange } from '../../cluster/messages.js';
import { HttpProblem } from '../../http/problem.js';
import { servedStates } from '../../models/repository-sync.js';
import { v2Errors } from './errors.js';
import { ModelParams, RepositoryIndex, V2_TAGS, V2Error } from './schemas.js';

export const repositoryRoutes: FastifyPluginAsync<{ link?: WorkerLink }> = async (fastify, { link }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  v2Errors(app);
  const tags = V2_TAGS;
  // GET or POST, as the extension's clients send it
  for (const method of ['GET', 'POST'] as const) {
    app.route({
      method,
      url: '/v2/repository/index',
      schema: { tags, summary: 'Every version of every model in the repository, and its state', response: { 200: RepositoryIndex } },
      handler: async () => app.modelRepository?.states() ?? servedStates(app.models),
    });
  }
  for (const action of ['load', 'unload'] as const) {
    app.post(
      `/v2/repository/models/:model/${action}`,
      {
        schema: {
          tags,
          summary: action === 'load' ? "Load a model's versions from the repository now" : 'Stop serving every version of a model',
          params: ModelParams,
          response: { 200: z.object({}), 400: V2Error, 404: V2Error, 409: V2Error },
        },
      },
      async (request) => {
        const sync = app.modelRepository;
        if (!sync) throw new HttpProblem('bad_request', 'no MODEL_REPOSITORY: this server serves WEIGHTS, read once at start');
        const change: RepositoryChange = { action, model: request.params.model };
        await (action === 'load' ? sync.loadModel(change.model) : sync.unloadModel(change.model));
        await link?.announceRepositoryChange(change);
        return {};
      },
    );
  }
};
