/**
 * The model a request asked for (?model=, ?version=), resolved by the registry, and remembered
 * on the request so its latency and its refusals are counted under that model and version.
 */
import type { FastifyRequest } from 'fastify';
import type { ServedModel } from '../models/served-model.js';

export function modelFor(request: FastifyRequest, choice: { readonly model?: string; readonly version?: string }): ServedModel {
  const served = request.server.models.resolve(choice.model, choice.version);
  request.servedBy = served.metricLabels;
  return served;
}
