/**
 * The model a request asked for (?model=, ?version=), resolved by the registry, remembered on
 * the request so its latency and its refusals are counted under that model and version, and
 * held while the route works with it: a version swapped out meanwhile is freed only after.
 */
import type { FastifyRequest } from 'fastify';
import { HttpProblem } from '../http/problem.js';
import type { ServedModel } from '../models/served-model.js';

export function withModel<T>(
  request: FastifyRequest,
  choice: { readonly model?: string; readonly version?: string },
  work: (served: ServedModel) => Promise<T>,
): Promise<T> {
  return usingModel(request, request.server.models.resolve(choice.model, choice.version), work);
}

/** withModel for a model already resolved (the Open Inference Protocol's paths name theirs). */
export function usingModel<T>(request: FastifyRequest, served: ServedModel, work: (served: ServedModel) => Promise<T>): Promise<T> {
  request.servedBy = served.metricLabels;
  return served.use(() => work(served));
}

/** /read's reader: a digit model's only. */
export function readerOf(served: ServedModel): NonNullable<ServedModel['reader']> {
  if (served.reader) return served.reader;
  throw new HttpProblem(
    'not_a_digit_model',
    `model '${served.ref.name}' classifies pictures as ${served.labels.slice(0, 3).join(', ')}, ...; /read reads digits: ask a digit model, or use /predict`,
  );
}
