/**
 * Prometheus metrics, one registry per app (so several apps in one process, as in tests, do
 * not collide). What operators need to see: latency per route and status, what the model
 * answers, batch sizes, why inputs fail, which model is loaded and how well it scored.
 *
 * In a cluster, each worker's registry is one part of the service's: a scrape answered by any
 * worker reports the whole service, aggregated by the primary (cluster/metrics-hub.ts), where
 * counters and histograms are summed, the model's gauges are the same in every worker, and
 * the process metrics carry a `worker` label.
 */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ModelInfo } from '../model/weights/types.js';
import { describeArchitecture } from '../model/mlp.js';
import { WORKER_LABEL } from '../cluster/metrics-hub.js';

/** The labels every per-model metric carries: which model, which version of its weights. */
export interface ModelLabels {
  readonly model: string;
  readonly version: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** the model and version that answer this request, once a route has resolved them (routes/model-choice.ts) */
    servedBy?: ModelLabels;
  }
}

/** A request's model labels: empty for one no model answered (a probe, a body refused before a model was chosen). */
export const labelsOf = (labels: ModelLabels | undefined): ModelLabels => labels ?? { model: '', version: '' };

export class ServiceMetrics {
  readonly registry = new Registry();

  readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency, from the first byte read to the last byte written',
    labelNames: ['method', 'route', 'status_code', 'model', 'version'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly predictions = new Counter({
    name: 'digit_serve_predictions_total',
    help: 'Predictions answered (a digit read by /read included), by model, version and predicted class',
    labelNames: ['model', 'version', 'class'] as const,
    registers: [this.registry],
  });

  readonly batchSize = new Histogram({
    name: 'digit_serve_batch_size',
    help: 'Items per /predict/batch request',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
    registers: [this.registry],
  });

  readonly digitsRead = new Histogram({
    name: 'digit_serve_read_digits',
    help: 'Digits read per picture by /read and /read/batch',
    buckets: [1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 24, 32],
    registers: [this.registry],
  });

  readonly inputFailures = new Counter({
    name: 'digit_serve_input_failures_total',
    help: 'Inputs that could not be classified, by problem code (decode failures, limits, no digit)',
    labelNames: ['code', 'model', 'version'] as const,
    registers: [this.registry],
  });

  readonly modelInfo = new Gauge({
    name: 'digit_serve_model_info',
    help: 'A model served (always 1; the labels say which)',
    labelNames: ['model', 'version', 'sha256', 'architecture'] as const,
    registers: [this.registry],
    aggregator: 'max',
  });

  readonly evalAccuracy = new Gauge({
    name: 'digit_serve_eval_accuracy',
    help: 'Accuracy of a model at its last /eval computation, by model, version and dataset',
    labelNames: ['model', 'version', 'dataset'] as const,
    registers: [this.registry],
    aggregator: 'max',
  });

  readonly modelRefused = new Gauge({
    name: 'digit_serve_model_refused',
    help: 'A version in the model repository that is not served because its file was refused (1 while it is; the log says why)',
    labelNames: ['model', 'version'] as const,
    registers: [this.registry],
    aggregator: 'max',
  });

  /** `workerId`: this process's cluster worker, which labels its process metrics */
  constructor(workerId?: number) {
    collectDefaultMetrics({ register: this.registry, labels: workerId === undefined ? {} : { [WORKER_LABEL]: String(workerId) } });
  }

  /** A model the service serves, in `digit_serve_model_info`. */
  describeModel(labels: ModelLabels, model: ModelInfo): void {
    this.modelInfo.set({ ...labels, sha256: model.sha256, architecture: describeArchitecture(model.architecture) }, 1);
  }

  /** A model no longer served: its series go, so a scrape lists only what answers. */
  forgetModel(labels: ModelLabels, model: ModelInfo, evalDataset: string | undefined): void {
    this.modelInfo.remove({ ...labels, sha256: model.sha256, architecture: describeArchitecture(model.architecture) });
    if (evalDataset !== undefined) this.evalAccuracy.remove({ ...labels, dataset: evalDataset });
  }
}

/** `scrape`: where the text comes from in a cluster (the primary's aggregate); else this registry. */
export function registerMetrics(app: FastifyInstance, metrics: ServiceMetrics, scrape = () => metrics.registry.metrics()): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.requestDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
        ...labelsOf(request.servedBy),
      },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return scrape();
  });
}
