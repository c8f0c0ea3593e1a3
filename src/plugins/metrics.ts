/**
 * The Prometheus metrics (http/metrics.ts) and `/metrics`. In a cluster, each worker's registry
 * is one part of the service's, and a scrape answered by any worker reports the whole service.
 */
import fp from 'fastify-plugin';
import type { WorkerLink } from '../cluster/worker-link.js';
import { registerMetrics, ServiceMetrics } from '../http/metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics;
  }
}

export const metrics = fp<{ link?: WorkerLink }>(
  async (app, { link }) => {
    const service = new ServiceMetrics(link?.workerId);
    link?.shareMetrics(service.registry);
    app.decorate('metrics', service);
    registerMetrics(app, service, link && (() => link.scrape()));
  },
  { name: 'metrics' },
);
