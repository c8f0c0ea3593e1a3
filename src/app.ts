/**
 * buildApp(config) builds the whole service (models loaded and warmed up, routes registered)
 * and never listens: server.ts does that, and tests run the same app in-process or on a port.
 * It only composes: each concern is a plugin of its own (src/plugins/), the routes ask the
 * model registry for their model.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import Fastify, { LogController, type FastifyHttpOptions, type FastifyInstance } from 'fastify';
import { SERVICE_VERSION, type Config } from './config.js';
import type { WorkerLink } from './cluster/worker-link.js';
import { answerMalformedHttp, sendProblem, toHttpProblem } from './http/errors.js';
import { requestLogFields } from './http/log-fields.js';
import { registerOpenApi } from './http/openapi.js';
import { HttpProblem } from './http/problem.js';
import type { PreloadedWeights } from './models/served-model.js';
import { api } from './plugins/api.js';
import { conventions } from './plugins/conventions.js';
import { corsPolicy } from './plugins/cors.js';
import { metrics } from './plugins/metrics.js';
import { models } from './plugins/models.js';
import { uploads } from './plugins/uploads.js';
import { healthRoutes } from './routes/health.js';
import { pageRoutes } from './routes/page.js';
import { v2HealthRoutes } from './routes/v2/index.js';

export { stopBeingReady } from './plugins/models.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
  }
}

export interface BuildOptions extends PreloadedWeights {
  /** this process is a cluster worker: metrics and rate-limit counts are the whole cluster's, kept by the primary */
  cluster?: WorkerLink;
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(config));
  app.decorate('config', config);
  await app.register(conventions);
  await app.register(corsPolicy, { origins: config.CORS_ORIGINS });
  await app.register(uploads, { config });
  await app.register(metrics, { link: options.cluster });
  await app.register(models, { config, preloaded: options, link: options.cluster });
  await registerOpenApi(app, SERVICE_VERSION);
  await app.register(healthRoutes);
  await app.register(pageRoutes);
  await app.register(v2HealthRoutes);
  await app.register(api, { config, link: options.cluster });
  return app;
}

/** An incoming X-Request-Id is kept when it is a sane token, so logs join up across services. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

function serverOptions(config: Config): FastifyHttpOptions<Server> {
  return {
    logger: { level: config.LOG_LEVEL, serializers: { req: requestLogFields } },
    // two log lines per request cost more than a small picture's inference: an operator asks for them
    logController: new LogController({ disableRequestLogging: !config.ACCESS_LOG }),
    bodyLimit: config.MAX_BODY_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    http: serverTimeouts(config.REQUEST_TIMEOUT_MS),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    // errors fastify raises before routing (a malformed URL, say) take the one problem format too
    frameworkErrors: (err, request, reply) => {
      sendProblem(reply, request, toHttpProblem(err) ?? new HttpProblem('bad_request', err.message));
    },
    clientErrorHandler: answerMalformedHttp,
    // while draining, requests on kept-alive connections still reach the routes (readiness says 503)
    return503OnClosing: false,
  };
}

/**
 * Node enforces its request and header timeouts from a timer that sweeps the open connections,
 * and it reads both, and the sweep's period, only when the server is created; set later (as
 * fastify sets requestTimeout), a stalled or trickled body outlived the setting by up to the
 * default 30 s sweep and the 60 s header timeout. Given here, a slow client is cut off within
 * a fraction of REQUEST_TIMEOUT_MS after it runs out.
 */
function serverTimeouts(requestTimeoutMs: number) {
  if (requestTimeoutMs === 0) return {};
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.round(requestTimeoutMs / 5))),
  };
}
