/**
 * The primary's aggregation of the workers' metrics, fed with real prom-client registries:
 * sums where the service counts, per-worker series kept apart, and counts that never go down
 * when a worker dies.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { MetricsHub } from '../../src/cluster/metrics-hub.js';

function workerRegistry(worker: string) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, labels: { worker } });
  const predictions = new Counter({ name: 'predictions_total', help: 'p', labelNames: ['class'], registers: [registry] });
  const latency = new Histogram({ name: 'latency_seconds', help: 'l', buckets: [0.1, 1], registers: [registry] });
  const info = new Gauge({ name: 'model_info', help: 'i', labelNames: ['name'], registers: [registry], aggregator: 'max' });
  info.set({ name: 'toy' }, 1);
  return { registry, predictions, latency };
}

const value = (text: string, series: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith(`${series} `))
    .map((line) => Number(line.slice(series.length + 1)));

describe('MetricsHub', () => {
  it("sums counters and histograms across workers, and ends a dead worker's own series and gauges", async () => {
    const hub = new MetricsHub(new Registry());
    const one = workerRegistry('1');
    const two = workerRegistry('2');
    one.predictions.inc({ class: '7' }, 3);
    two.predictions.inc({ class: '7' }, 4);
    two.predictions.inc({ class: '1' });
    one.latency.observe(0.05);
    two.latency.observe(0.5);
    hub.collected(1, 0, await one.registry.getMetricsAsJSON());
    hub.collected(2, 0, await two.registry.getMetricsAsJSON());

    // scrape() asks live cluster workers; with none, it reads what the retired ones left
    hub.retire(1);
    hub.retire(2);
    const retired = await hub.scrape([]);
    expect(value(retired, 'predictions_total{class="7"}')).toEqual([7]);
    expect(value(retired, 'predictions_total{class="1"}')).toEqual([1]);
    expect(value(retired, 'latency_seconds_count')).toEqual([2]);
    expect(value(retired, 'latency_seconds_bucket{le="0.1"}')).toEqual([1]);
    // a dead worker's per-process series and gauges end with it
    expect(retired).not.toContain('worker="1"');
    expect(retired).not.toContain('model_info');
  });

  it('keeps every process series of the live processes, the start time included', async () => {
    const own = new Registry();
    collectDefaultMetrics({ register: own, labels: { worker: 'primary' } });
    const hub = new MetricsHub(own);
    const text = await hub.scrape([]);
    expect(value(text, 'process_start_time_seconds{worker="primary"}')).toHaveLength(1);
    expect(value(text, 'process_resident_memory_bytes{worker="primary"}')[0]).toBeGreaterThan(0);
  });

  it('adds the counts of workers that died to the live ones, so the sum never goes down', async () => {
    const hub = new MetricsHub(new Registry());
    const first = workerRegistry('1');
    first.predictions.inc({ class: '3' }, 10);
    hub.collected(1, 0, await first.registry.getMetricsAsJSON());
    hub.retire(1);
    const second = workerRegistry('2');
    second.predictions.inc({ class: '3' }, 5);
    hub.collected(2, 1, await second.registry.getMetricsAsJSON());
    hub.retire(2);
    const third = workerRegistry('3');
    third.predictions.inc({ class: '3' }, 1);
    hub.collected(3, 2, await third.registry.getMetricsAsJSON());
    hub.retire(3);
    expect(value(await hub.scrape([]), 'predictions_total{class="3"}')).toEqual([16]);
  });
});
