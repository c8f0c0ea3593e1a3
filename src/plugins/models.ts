/**
 * The model registry and its lifecycle: every model loaded and checked while the app is built,
 * warmed up before the service calls itself ready, its eval computed in the background, its
 * resident weights released when the app closes. Readiness lives here: the service is ready
 * when its models are.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { Limiter } from '../inference/limiter.js';
import { loadWeights } from '../model/weights/load.js';
import { ModelRegistry } from '../models/registry.js';
import { scanRepository } from '../models/repository.js';
import { loadDigitModel, type PreloadedWeights, type ServedModel } from '../models/served-model.js';
import type { EvalReport } from '../eval/job.js';
import { DEFAULT_ALLOWED_FORMATS } from '../preprocess/decode.js';

declare module 'fastify' {
  interface FastifyInstance {
    models: ModelRegistry;
    readiness: { ready: boolean; reason: string };
  }
}

/** Readiness off: probes answered from now on say 503 not_ready. Closing the app does it; a signal handler does it sooner. */
export function stopBeingReady(app: FastifyInstance): void {
  app.readiness.ready = false;
  app.readiness.reason = 'shutting down';
}

export const models = fp<{ config: Config; preloaded?: PreloadedWeights }>(
  async (app, { config, preloaded }) => {
    const decodeLimits = {
      maxInputPixels: config.MAX_INPUT_PIXELS,
      maxAspectRatio: config.MAX_ASPECT_RATIO,
      maxRequestPixels: config.MAX_REQUEST_PIXELS,
      allowedFormats: DEFAULT_ALLOWED_FORMATS,
    };
    const seat = {
      config,
      decodeLimits,
      decodeSlots: new Limiter(config.DECODE_CONCURRENCY, config.DECODE_QUEUE_LIMIT, config.DECODE_PIXEL_BUDGET),
      onEvalReport: (model: ServedModel, r: EvalReport) => {
        app.metrics.evalAccuracy.set({ ...model.metricLabels, dataset: r.dataset.name }, r.accuracy);
        app.log.info(
          { model: model.ref.name, version: model.ref.version, accuracy: r.accuracy, dataset: r.dataset.name, durationMs: r.durationMs },
          'eval computed',
        );
      },
    };
    // one parts model serves every digit model's reader
    const parts = preloaded?.parts ?? (await loadWeights(config.PARTS_WEIGHTS));
    const sources = config.MODEL_REPOSITORY ? await scanRepository(config.MODEL_REPOSITORY) : [{ file: config.WEIGHTS }];
    const served: ServedModel[] = [];
    for (const source of sources) {
      served.push(await loadDigitModel(seat, source, { parts, model: config.MODEL_REPOSITORY ? undefined : preloaded?.model }));
    }
    const registry = new ModelRegistry(served, config.DEFAULT_MODEL);
    for (const model of registry.all()) app.metrics.describeModel(model.metricLabels, model.info);
    app.decorate('models', registry);
    app.decorate('readiness', { ready: false, reason: 'warming up' });

    app.addHook('onReady', async () => {
      for (const model of registry.all()) await model.warmUp();
      app.readiness.ready = true;
      app.readiness.reason = 'model loaded and warmed up';
      for (const { info } of registry.all()) app.log.info({ model: info.name, sha256: info.sha256, file: info.file }, 'model loaded');
      // in the background: /eval callers wait for this same computation instead of starting another
      for (const model of registry.all()) model.evalJob?.get().catch((err: unknown) => app.log.warn({ err }, 'eval failed'));
    });
    app.addHook('preClose', async () => stopBeingReady(app));
    app.addHook('onClose', async () => {
      for (const model of registry.all()) model.release();
    });
  },
  { name: 'models', dependencies: ['metrics'] },
);
