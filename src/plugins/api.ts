/**
 * The API proper, one fastify scope: the optional API keys, the event-loop guard and the
 * optional rate limit apply to these routes, not to the probes, /metrics, the docs or the page.
 */
import type { FastifyPluginAsync } from 'fastify';
import underPressure from '@fastify/under-pressure';
import { RateWindows } from '../cluster/rate-windows.js';
import type { WorkerLink } from '../cluster/worker-link.js';
import type { Config } from '../config.js';
import { requireApiKey } from '../http/auth.js';
import { registerRateLimit } from '../http/rate-limit.js';
import { evalRoutes } from '../routes/eval.js';
import { modelsRoutes } from '../routes/models.js';
import { predictRoutes } from '../routes/predict.js';
import { readRoutes } from '../routes/read.js';
import { v2ModelRoutes } from '../routes/v2/index.js';
import { repositoryRoutes } from '../routes/v2/repository.js';

/** Seconds a client shed by the event-loop guard is told to wait. */
const RETRY_AFTER_SECONDS = 1;

export const api: FastifyPluginAsync<{ config: Config; link?: WorkerLink }> = async (scope, { config, link }) => {
  requireApiKey(scope, config.API_KEYS);
  if (config.API_KEYS.length > 0) {
    // the OpenAPI document (and /docs' lock) says what this scope requires: a key, either way
    scope.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, security: [{ bearer: [] }, { apiKey: [] }] };
    });
  }
  if (config.MAX_EVENT_LOOP_DELAY_MS > 0) {
    await scope.register(underPressure, { maxEventLoopDelay: config.MAX_EVENT_LOOP_DELAY_MS, retryAfter: RETRY_AFTER_SECONDS });
  }
  if (config.RATE_LIMIT_MAX > 0) {
    // in a cluster the counts are the primary's, so a client's limit is the whole service's
    const windows = new RateWindows();
    await registerRateLimit(
      scope,
      config,
      link ? (key, windowMs) => link.hit(key, windowMs) : (key, windowMs) => windows.hit(key, windowMs),
    );
  }
  await scope.register(predictRoutes);
  await scope.register(readRoutes);
  await scope.register(evalRoutes);
  await scope.register(modelsRoutes);
  await scope.register(v2ModelRoutes);
  await scope.register(repositoryRoutes, { link });
};
