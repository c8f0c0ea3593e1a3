/**
 * buildApp(config) builds the whole service (model loaded and warmed up, routes registered)
 * and never listens: server.ts does that, and tests run the same app in-process or on a port.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import underPressure from '@fastify/under-pressure';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { SERVICE_VERSION, type Config } from './config.js';
import { existsSync } from 'node:fs';
import { holdoutFiles } from './data/holdout-files.js';
import { loadEmbeddedHoldout, loadMnistTestSet, type EvalSet } from './eval/dataset.js';
import { EvalJob, type EvalReport } from './eval/job.js';
import { RateWindows } from './cluster/rate-windows.js';
import type { WorkerLink } from './cluster/worker-link.js';
import { requireApiKey } from './http/auth.js';
import { answerMalformedHttp, registerErrorHandling, sendProblem, toHttpProblem } from './http/errors.js';
import { uploadLimits } from './http/inputs.js';
import { registerJsonBodies } from './http/json-body.js';
import { requestLogFields } from './http/log-fields.js';
import { registerMetrics, ServiceMetrics } from './http/metrics.js';
import { registerOpenApi } from './http/openapi.js';
import { registerRateLimit } from './http/rate-limit.js';
import { validatorCompiler } from './http/validation.js';
import { HttpProblem } from './http/problem.js';
import { Limiter } from './inference/limiter.js';
import { Predictor } from './inference/predictor.js';
import { Reader } from './inference/reader.js';
import { NOT_A_DIGIT } from './read/classifier-cuts.js';
import { residentMlp } from './model/mlp.js';
import { loadWeights } from './model/weights/load.js';
import { WeightsError, type LoadedModel } from './model/weights/types.js';
import { DEFAULT_ALLOWED_FORMATS } from './preprocess/decode.js';
import { INPUT_SIZE } from './preprocess/tensor.js';
import { evalRoutes } from './routes/eval.js';
import { healthRoutes } from './routes/health.js';
import { pageRoutes } from './routes/page.js';
import { predictRoutes } from './routes/predict.js';
import { readRoutes } from './routes/read.js';
import { v2HealthRoutes, v2ModelRoutes } from './routes/v2.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    predictor: Predictor;
    reader: Reader;
    evalJob: EvalJob | undefined;
    metrics: ServiceMetrics;
    readiness: { ready: boolean; reason: string };
  }
}

const DIGIT_CLASSES = 10;
/** An incoming X-Request-Id is kept when it is a sane token, so logs join up across services. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;
/** Seconds a client shed by the event-loop guard is told to wait. */
const RETRY_AFTER_SECONDS = 1;

/** Each network the service loads maps 784 pixels to a fixed number of classes; any other is a configuration mistake. */
function checkShape(model: LoadedModel, wanted: number, what: string): void {
  const { inputSize, classes } = model.mlp;
  if (inputSize !== INPUT_SIZE || classes !== wanted) {
    throw new WeightsError(
      model.info.file,
      `the network maps ${inputSize} inputs to ${classes} classes; ${what} needs ${INPUT_SIZE} -> ${wanted}`,
    );
  }
}

/** The official test set when MNIST_DIR is set, else the held-out digits shipped with the weights, if any. */
function evalDataset(config: Config, model: LoadedModel): (() => Promise<EvalSet>) | undefined {
  if (config.MNIST_DIR) return () => loadMnistTestSet(config.MNIST_DIR!);
  const holdout = model.info.metadata.holdout;
  if (holdout !== undefined && existsSync(holdoutFiles(model.info.file).images)) {
    return () => loadEmbeddedHoldout(model.info.file, holdout);
  }
  return undefined;
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

export interface BuildOptions {
  /** a preloaded model (tests share one instead of reading the file per app) */
  model?: LoadedModel;
  /** a preloaded parts model, likewise */
  parts?: LoadedModel;
  /** this process is a cluster worker: metrics and rate-limit counts are the whole cluster's, kept by the primary */
  cluster?: WorkerLink;
}

/** Readiness off: probes answered from now on say 503 not_ready. Closing the app does it; a signal handler does it sooner. */
export function stopBeingReady(app: FastifyInstance): void {
  app.readiness.ready = false;
  app.readiness.reason = 'shutting down';
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const loaded = options.model ?? (await loadWeights(config.WEIGHTS));
  checkShape(loaded, DIGIT_CLASSES, 'this service');
  const parts = options.parts ?? (await loadWeights(config.PARTS_WEIGHTS));
  checkShape(parts, NOT_A_DIGIT + 1, 'the parts model (PARTS_WEIGHTS)');
  const resident = residentMlp(loaded.mlp);
  const model: LoadedModel = { ...loaded, mlp: resident.mlp };

  const app = Fastify({
    logger: { level: config.LOG_LEVEL, serializers: { req: requestLogFields } },
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
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerErrorHandling(app);

  // JSON and images only: a text/plain body would otherwise reach the routes as a string
  app.removeContentTypeParser('text/plain');
  registerJsonBodies(app, config);
  // raw image bodies: the bytes, not the declared type, decide the format later
  for (const type of [/^image\/[\w.+-]+$/i, 'application/octet-stream']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: config.MAX_FILE_BYTES }, (_request, body, done) => done(null, body));
  }
  const { form } = uploadLimits(config);
  await app.register(multipart, {
    // an oversized file is marked truncated instead of failing the whole request (see http/inputs.ts)
    throwFileSizeLimit: false,
    limits: { fileSize: form.fileBytes, files: form.files, fields: form.fields, fieldSize: form.fieldBytes, parts: form.parts },
  });

  const link = options.cluster;
  const metrics = new ServiceMetrics(model.info, link?.workerId);
  link?.shareMetrics(metrics.registry);
  const decodeLimits = {
    maxInputPixels: config.MAX_INPUT_PIXELS,
    maxAspectRatio: config.MAX_ASPECT_RATIO,
    maxRequestPixels: config.MAX_REQUEST_PIXELS,
    allowedFormats: DEFAULT_ALLOWED_FORMATS,
  };
  // one set of decode slots and one pixel budget for every route that decodes pictures
  const decodeSlots = new Limiter(config.DECODE_CONCURRENCY, config.DECODE_QUEUE_LIMIT, config.DECODE_PIXEL_BUDGET);
  const predictor = new Predictor(model, decodeLimits, decodeSlots);
  app.decorate('config', config);
  app.decorate('predictor', predictor);
  app.decorate('reader', new Reader(model, parts.mlp, decodeLimits, decodeSlots, config.MAX_READ_DIGITS));
  app.decorate('metrics', metrics);
  const onEvalReport = (r: EvalReport) => {
    metrics.evalAccuracy.set({ dataset: r.dataset.name }, r.accuracy);
    app.log.info({ accuracy: r.accuracy, dataset: r.dataset.name, durationMs: r.durationMs }, 'eval computed');
  };
  const dataset = evalDataset(config, model);
  app.decorate('evalJob', dataset && new EvalJob(model, dataset, onEvalReport));
  app.decorate('readiness', { ready: false, reason: 'warming up' });

  registerMetrics(app, metrics, link && (() => link.scrape()));
  await registerOpenApi(app, SERVICE_VERSION);
  await app.register(healthRoutes);
  await app.register(pageRoutes);
  await app.register(v2HealthRoutes);

  // the API proper: optional keys, load shedding and rate limits apply here, not to probes, metrics or docs
  await app.register(async (api) => {
    requireApiKey(api, config.API_KEYS);
    if (config.MAX_EVENT_LOOP_DELAY_MS > 0) {
      await api.register(underPressure, { maxEventLoopDelay: config.MAX_EVENT_LOOP_DELAY_MS, retryAfter: RETRY_AFTER_SECONDS });
    }
    if (config.RATE_LIMIT_MAX > 0) {
      const windows = new RateWindows();
      await registerRateLimit(
        api,
        config,
        link ? (key, windowMs) => link.hit(key, windowMs) : (key, windowMs) => windows.hit(key, windowMs),
      );
    }
    await api.register(predictRoutes);
    await api.register(readRoutes);
    await api.register(evalRoutes);
    await api.register(v2ModelRoutes);
  });

  app.addHook('onReady', async () => {
    // one forward pass before the service calls itself ready
    await predictor.predictOne({ kind: 'pixels', pixels: new Float32Array(INPUT_SIZE) }, { preprocess: 'auto', debug: false });
    app.readiness.ready = true;
    app.readiness.reason = 'model loaded and warmed up';
    app.log.info({ model: model.info.name, sha256: model.info.sha256, file: model.info.file }, 'model loaded');
    // in the background: /eval callers wait for this same computation instead of starting another
    app.evalJob?.get().catch((err: unknown) => app.log.warn({ err }, 'eval failed'));
  });
  app.addHook('preClose', async () => stopBeingReady(app));
  app.addHook('onClose', async () => resident.release());
  return app;
}
