/**
 * The model registry and its lifecycle: every model loaded and checked while the app is built,
 * warmed up before the service calls itself ready, its eval computed in the background, the
 * repository kept in step while it runs (polling every MODEL_POLL_INTERVAL_MS, and on
 * `app.modelRepository.sync()`, which SIGHUP calls), every model drained and freed when the app closes.
 * Readiness lives here: the service is ready when its models are.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { WorkerLink } from '../cluster/worker-link.js';
import type { Config } from '../config.js';
import type { EvalReport } from '../eval/job.js';
import { Limiter } from '../inference/limiter.js';
import { loadWeights } from '../model/weights/load.js';
import { ModelRegistry } from '../models/registry.js';
import { scanRepositoryToStart, type VersionFile } from '../models/repository.js';
import { RepositorySync, type Refusal, type SyncEvents } from '../models/repository-sync.js';
import { checkPartsModel, loadServedModel, type ModelSeat, type PreloadedWeights, type ServedModel } from '../models/served-model.js';
import { DEFAULT_ALLOWED_FORMATS } from '../preprocess/decode.js';

declare module 'fastify' {
  interface FastifyInstance {
    models: ModelRegistry;
    /** the repository kept in step; undefined when the service serves WEIGHTS alone */
    modelRepository: RepositorySync | undefined;
    readiness: { ready: boolean; reason: string };
  }
}

/** Readiness off: probes answered from now on say 503 not_ready. Closing the app does it; a signal handler does it sooner. */
export function stopBeingReady(app: FastifyInstance): void {
  app.readiness.ready = false;
  app.readiness.reason = 'shutting down';
}

/** A new version is served only once it is warmed up and scored: a failing eval refuses it. */
async function readyToServe(model: ServedModel): Promise<ServedModel> {
  try {
    await model.warmUp();
    if (model.evalJob) await model.use(() => model.evalJob!.get());
    return model;
  } catch (err) {
    await model.retire();
    throw err;
  }
}

export const models = fp<{ config: Config; preloaded?: PreloadedWeights; link?: WorkerLink }>(
  async (app, { config, preloaded, link }) => {
    const seat: ModelSeat = {
      config,
      decodeLimits: {
        maxInputPixels: config.MAX_INPUT_PIXELS,
        maxAspectRatio: config.MAX_ASPECT_RATIO,
        maxRequestPixels: config.MAX_REQUEST_PIXELS,
        allowedFormats: DEFAULT_ALLOWED_FORMATS,
      },
      decodeSlots: new Limiter(config.DECODE_CONCURRENCY, config.DECODE_QUEUE_LIMIT, config.DECODE_PIXEL_BUDGET),
      // one parts model serves every digit model's reader
      parts: checkPartsModel(preloaded?.parts ?? (await loadWeights(config.PARTS_WEIGHTS))),
      onEvalReport: (model: ServedModel, r: EvalReport) => {
        app.metrics.evalAccuracy.set({ ...model.metricLabels, dataset: r.dataset.name }, r.accuracy);
        app.log.info(
          { model: model.ref.name, version: model.ref.version, accuracy: r.accuracy, dataset: r.dataset.name, durationMs: r.durationMs },
          'eval computed',
        );
      },
    };
    const repository = config.MODEL_REPOSITORY;
    const served: ServedModel[] = [];
    // a repository's bad version is refused at start as it would be later: the rest still serves
    const started: VersionFile[] = [];
    const refused: Refusal[] = [];
    for (const version of repository ? await scanRepositoryToStart(repository) : []) {
      try {
        served.push(await loadServedModel(seat, version));
        started.push(version);
      } catch (err) {
        refused.push({ version, reason: (err as Error).message });
      }
    }
    if (!repository) served.push(await loadServedModel(seat, { file: config.WEIGHTS }, preloaded?.model));
    const registry = registryOf(served, config.DEFAULT_MODEL, refused);
    for (const model of registry.all()) app.metrics.describeModel(model.metricLabels, model.info);
    app.decorate('models', registry);
    app.decorate('readiness', { ready: false, reason: 'warming up' });
    const sync = repository
      ? new RepositorySync(
          repository,
          registry,
          async (v) => readyToServe(await loadServedModel(seat, v)),
          syncEvents(app),
          started,
          refused,
        )
      : undefined;
    app.decorate('modelRepository', sync);
    // a model another worker loaded or unloaded through the repository API: this one follows
    link?.followRepositoryChanges(({ action, model }) => {
      if (!sync) return;
      (action === 'load' ? sync.loadModel(model) : sync.unloadModel(model)).catch((err: unknown) =>
        app.log.warn({ err, model, action }, "could not follow another worker's repository change"),
      );
    });

    let poll: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      for (const model of registry.all()) await model.warmUp();
      app.readiness.ready = true;
      app.readiness.reason = 'model loaded and warmed up';
      for (const { ref, info } of registry.all())
        app.log.info({ model: ref.name, version: ref.version, sha256: info.sha256 }, 'model loaded');
      // in the background: /eval callers wait for this same computation instead of starting another
      for (const model of registry.all()) {
        if (model.evalJob) model.use(() => model.evalJob!.get()).catch((err: unknown) => app.log.warn({ err }, 'eval failed'));
      }
      if (sync && config.MODEL_POLL_INTERVAL_MS > 0) {
        poll = setInterval(() => void sync.sync(), config.MODEL_POLL_INTERVAL_MS);
        poll.unref();
      }
    });
    app.addHook('preClose', async () => {
      stopBeingReady(app);
      clearInterval(poll);
    });
    app.addHook('onClose', async () => {
      await Promise.all(registry.all().map((model) => model.retire()));
    });
  },
  { name: 'models', dependencies: ['metrics'] },
);

/** The registry of what loaded; when it cannot be made (the default model did not load), the refusals say why. */
function registryOf(served: ServedModel[], defaultName: string | undefined, refused: readonly Refusal[]): ModelRegistry {
  try {
    return new ModelRegistry(served, defaultName);
  } catch (err) {
    if (refused.length === 0) throw err;
    const { version, reason } = refused[0]!;
    const more = refused.length > 1 ? ` (and ${refused.length - 1} more refused)` : '';
    const head = served.length === 0 ? 'no version in MODEL_REPOSITORY could be served' : (err as Error).message;
    throw new Error(`${head}; ${version.name} version ${version.version} was refused: ${reason}${more}`, { cause: err });
  }
}

/** What a repository pass tells the operator: a log line each, and the metrics of what is served. */
function syncEvents(app: FastifyInstance): SyncEvents {
  const { metrics, log } = app;
  const forget = (model: ServedModel) => metrics.forgetModel(model.metricLabels, model.info, model.evalJob?.lastReport?.dataset.name);
  return {
    loaded: (model, replaced) => {
      if (replaced) forget(replaced);
      metrics.describeModel(model.metricLabels, model.info);
      const accuracy = model.evalJob?.lastReport?.accuracy;
      log.info(
        { model: model.ref.name, version: model.ref.version, sha256: model.ref.sha256, accuracy, replaced: replaced?.ref.sha256 },
        replaced ? 'model version reloaded from a new file' : 'model version loaded',
      );
    },
    refused: (version, reason) => {
      metrics.modelRefused.set({ model: version.name, version: version.version }, 1);
      log.error({ model: version.name, version: version.version, reason }, 'model version refused; not served until its file changes');
    },
    cleared: (model, version) => metrics.modelRefused.remove({ model, version }),
    unloaded: (model) => {
      forget(model);
      log.info({ model: model.ref.name, version: model.ref.version }, 'model version unloaded; it drains, then its weights are freed');
    },
    kept: (model, reason) =>
      log.warn({ model: model.ref.name, version: model.ref.version, reason }, 'model version folder gone, version kept'),
    scanFailed: (err) => log.error({ err }, 'model repository scan failed; the models served are unchanged'),
  };
}
