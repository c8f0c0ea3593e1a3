/**
 * buildApp(config) builds the whole service (model loaded and warmed up, routes registered)
 * and never listens: server.ts does that, and tests run the same app in-process or on a port.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import { loadMnistTestSet } from './eval/dataset.js';
import { EvalJob } from './eval/job.js';
import { registerErrorHandling } from './http/errors.js';
import { Predictor } from './inference/predictor.js';
import { loadWeights } from './model/weights/load.js';
import { WeightsError, type LoadedModel } from './model/weights/types.js';
import { DEFAULT_ALLOWED_FORMATS } from './preprocess/decode.js';
import { INPUT_SIZE } from './preprocess/tensor.js';
import { evalRoutes } from './routes/eval.js';
import { healthRoutes } from './routes/health.js';
import { predictRoutes } from './routes/predict.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    predictor: Predictor;
    evalJob: EvalJob | undefined;
    readiness: { ready: boolean; reason: string };
  }
}

const DIGIT_CLASSES = 10;
/** An incoming X-Request-Id is kept when it is a sane token, so logs join up across services. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The service answers 784 pixels in, 10 digits out; any other network is a configuration mistake. */
function checkServesDigits(model: LoadedModel): void {
  const { inputSize, classes } = model.mlp;
  if (inputSize !== INPUT_SIZE || classes !== DIGIT_CLASSES) {
    throw new WeightsError(model.info.file, `the network maps ${inputSize} inputs to ${classes} classes; this service needs ${INPUT_SIZE} -> ${DIGIT_CLASSES}`);
  }
}

export interface BuildOptions {
  /** a preloaded model (tests share one instead of reading the file per app) */
  model?: LoadedModel;
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const model = options.model ?? (await loadWeights(config.WEIGHTS));
  checkServesDigits(model);

  const app = Fastify({
    logger: { level: config.LOG_LEVEL },
    bodyLimit: config.MAX_BODY_BYTES,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerErrorHandling(app);

  // raw image bodies: the bytes, not the declared type, decide the format later
  for (const type of [/^image\/[\w.+-]+$/i, 'application/octet-stream']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: config.MAX_FILE_BYTES }, (_request, body, done) => done(null, body));
  }
  // JSON and images only: a text/plain body would otherwise reach the routes as a string
  app.removeContentTypeParser('text/plain');
  await app.register(multipart, {
    // an oversized file is marked truncated instead of failing the whole request (see http/inputs.ts)
    throwFileSizeLimit: false,
    limits: {
      fileSize: config.MAX_FILE_BYTES,
      files: config.MAX_BATCH_FILES,
      fields: 20,
      fieldSize: 1024,
      parts: config.MAX_BATCH_FILES + 20,
    },
  });

  const predictor = new Predictor(model, {
    maxInputPixels: config.MAX_INPUT_PIXELS,
    allowedFormats: DEFAULT_ALLOWED_FORMATS,
  });
  predictor.predictOne({ kind: 'pixels', pixels: new Float32Array(INPUT_SIZE) });

  app.decorate('config', config);
  app.decorate('predictor', predictor);
  app.decorate('evalJob', config.MNIST_DIR ? new EvalJob(model, () => loadMnistTestSet(config.MNIST_DIR!)) : undefined);
  app.decorate('readiness', { ready: true, reason: 'model loaded and warmed up' });

  app.addHook('onReady', async () => {
    app.log.info({ model: model.info.name, sha256: model.info.sha256, file: model.info.file }, 'model loaded');
    // in the background: /eval callers wait for this same computation instead of starting another
    app.evalJob?.get().then(
      (r) => app.log.info({ accuracy: r.accuracy, dataset: r.dataset.name, durationMs: r.durationMs }, 'eval computed'),
      (err: unknown) => app.log.warn({ err }, 'eval failed'),
    );
  });

  await app.register(healthRoutes);
  await app.register(predictRoutes);
  await app.register(evalRoutes);
  return app;
}
