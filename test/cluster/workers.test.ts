/**
 * Worker processes as an operator sees them: the real entry point with WORKERS=2 on a real
 * port. One service from outside (its metrics and rate limit the whole cluster's, whichever
 * worker answers), clean stops, and a supervisor that neither spins nor gives up too soon.
 */
import { connect } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveWeights } from '../../src/model/weights/load.js';
import { toyDigitModel } from '../support/models.js';
import { freePort } from '../support/ports.js';
import { call, startService, type ServiceProcess } from '../support/service-process.js';
import { strokePixels } from '../support/pixels.js';

const pixels = { pixels: strokePixels() };

interface Cluster {
  readonly service: ServiceProcess;
  readonly port: number;
  readonly weights: string;
  /** the pids of the workers that logged "request completed" for `method url` with `status` */
  servedBy(method: string, url: string, status?: number): Set<number>;
  /** pids of the workers that are listening now (the latest `count` to log it) */
  listening(): number[];
}

async function startCluster(env: Record<string, string> = {}): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), 'cluster-'));
  const weights = join(dir, 'toy.safetensors');
  await saveWeights(weights, toyDigitModel().mlp, { name: 'toy' });
  const port = await freePort();
  const service = startService({ PORT: String(port), WORKERS: '2', WEIGHTS: weights, ACCESS_LOG: 'on', ...env });
  await service.waitFor('both workers', () => service.logs('all workers ready').length === 1);
  const servedBy = (method: string, url: string, status?: number) =>
    new Set(
      service
        .logs('request completed')
        .filter((line) => {
          const req = service.logs('incoming request').find((r) => r.reqId === line.reqId)?.req as { method: string; url: string };
          const res = line.res as { statusCode: number };
          return req?.method === method && req.url === url && (status === undefined || res.statusCode === status);
        })
        .map((line) => line.pid as number),
    );
  const listening = () => service.logs('Server listening').map((line) => line.pid as number);
  return { service, port, weights, servedBy, listening };
}

/** The value of a metric's series (the sum over those matching `labels`) in Prometheus' text format. */
function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(match[3]);
  }
  return sum;
}

describe('WORKERS=2', () => {
  it('starts two workers on one port, answers through both, and exits 0 on SIGTERM', async () => {
    const { service, port, servedBy } = await startCluster();
    const answers = await Promise.all(Array.from({ length: 20 }, () => call(port, 'POST', '/predict', pixels)));
    expect(answers.map((a) => a.status)).toEqual(new Array(20).fill(200));
    expect(new Set(answers.map((a) => JSON.parse(a.body).prediction)).size).toBe(1);
    // a worker logs "request completed" after the response is sent, so the line can arrive later
    await service.waitFor('20 logged requests', () => service.logs('request completed').length === 20);
    expect(servedBy('POST', '/predict').size).toBe(2);

    service.signal('SIGTERM');
    // the primary's stderr in the message: a rare failure here (an exit by a signal, seen once
    // in a loaded CI run and never alone) needs it to be understood
    expect(await service.exited, `stderr:\n${service.stderr()}`).toBe(0);
    expect(service.logs('all workers stopped').map((l) => l.clean)).toEqual([true]);
  }, 60_000);

  it('drains and exits 0 on Ctrl-C, which signals the primary and every worker at once', async () => {
    const { service, port } = await startCluster();
    // a request still arriving when the signal comes, so a worker is draining when the
    // primary passes the signal on a second time
    const body = JSON.stringify(pixels);
    const socket = connect(port, '127.0.0.1');
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    socket.write(
      `POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    socket.write(body.slice(0, 100));
    // a worker has the request (its headers logged) before the signal; both workers are shutting down before the rest of the body
    await service.waitFor('the request reached a worker', () =>
      service.logs('incoming request').some((l) => (l.req as { url: string }).url === '/predict'),
    );
    process.kill(-service.pid, 'SIGINT');
    await service.waitFor('both workers shutting down', () => service.logs('shutting down').length === 2);
    socket.write(body.slice(100));
    expect(await answer).toMatch(/^HTTP\/1.1 200/);
    expect(await service.exited).toBe(0);
    expect(service.logs('shutting down')).toHaveLength(2);
    expect(service.logs('all workers stopped').map((l) => l.clean)).toEqual([true]);
  }, 60_000);

  it('reports the whole service on every scrape, whichever worker answers it', async () => {
    const { service, port, servedBy } = await startCluster();
    const predictions = 23;
    for (let i = 0; i < predictions; i++) expect((await call(port, 'POST', '/predict', pixels)).status).toBe(200);
    // body-level refusals are counted too, once each
    expect((await call(port, 'POST', '/predict', { pixels: [1, 2] })).status).toBe(400);
    expect((await call(port, 'POST', '/predict', {})).status).toBe(400);
    expect(servedBy('POST', '/predict', 200).size).toBe(2);

    const scrapes = [];
    for (let i = 0; i < 20; i++) scrapes.push(await call(port, 'GET', '/metrics'));
    await service.waitFor('the scrapes logged', () => servedBy('GET', '/metrics').size === 2);
    for (const scrape of scrapes) {
      expect(scrape.status).toBe(200);
      expect(metricSum(scrape.body, 'digit_serve_predictions_total')).toBe(predictions);
      expect(metricSum(scrape.body, 'http_request_duration_seconds_count', { route: '/predict', status_code: '200' })).toBe(predictions);
      expect(metricSum(scrape.body, 'digit_serve_input_failures_total', { code: 'invalid_input' })).toBe(2);
      // the same in every worker: not summed
      expect(metricSum(scrape.body, 'digit_serve_model_info')).toBe(1);
      expect(metricSum(scrape.body, 'digit_serve_workers_ready')).toBe(2);
      // per process, apart
      for (const worker of ['primary', '1', '2']) {
        expect(metricSum(scrape.body, 'process_resident_memory_bytes', { worker }), worker).toBeGreaterThan(0);
        expect(metricSum(scrape.body, 'process_start_time_seconds', { worker }), worker).toBeGreaterThan(0);
      }
    }
    // the scrapes themselves are requests the service answered, counted across both workers
    const last = await call(port, 'GET', '/metrics');
    expect(metricSum(last.body, 'http_request_duration_seconds_count', { route: '/metrics' })).toBe(20);
  }, 60_000);

  it('rate-limits each client across both workers: RATE_LIMIT_MAX=5 admits exactly 5 in the window', async () => {
    const { service, port, servedBy } = await startCluster({ RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW_MS: '60000' });
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await call(port, 'POST', '/predict', pixels));
    expect(answers.map((a) => a.status)).toEqual([...new Array(5).fill(200), ...new Array(7).fill(429)]);
    await service.waitFor(
      '12 logged requests',
      () => servedBy('POST', '/predict').size === 2 && service.logs('request completed').length >= 12,
    );
    expect(servedBy('POST', '/predict', 200).size).toBe(2);
    expect(servedBy('POST', '/predict', 429).size).toBe(2);

    expect(answers[0]!.headers).toMatchObject({ 'ratelimit-limit': '5', 'ratelimit-remaining': '4', 'ratelimit-policy': '5;w=60' });
    expect(answers[4]!.headers['ratelimit-remaining']).toBe('0');
    const refused = answers[5]!;
    expect(refused.headers).toMatchObject({ 'ratelimit-limit': '5', 'ratelimit-remaining': '0', 'ratelimit-policy': '5;w=60' });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const problem = JSON.parse(refused.body);
    expect(problem).toMatchObject({ code: 'rate_limited', limit: 5, windowSeconds: 60 });
    expect(problem.detail).toMatch(/^at most 5 requests per 1 minute from one client; the current window ends in \d+ s$/);
    // probes and metrics are not limited
    expect((await call(port, 'GET', '/health/ready')).status).toBe(200);
  }, 60_000);

  it('replaces a ready worker that dies, after a delay that doubles while they keep dying', async () => {
    const { service, port, listening } = await startCluster();
    for (let round = 1; round <= 3; round++) {
      const [victim] = listening().slice(-2);
      process.kill(victim!, 'SIGKILL');
      await service.waitFor(`replacement ${round}`, () => listening().length === 2 + round);
    }
    const deaths = service.logs('worker died; starting another');
    expect(deaths.map((d) => [d.signal, d.delayMs, d.recentDeaths])).toEqual([
      ['SIGKILL', 250, 1],
      ['SIGKILL', 500, 2],
      ['SIGKILL', 1000, 3],
    ]);
    expect((await call(port, 'POST', '/predict', pixels)).status).toBe(200);
    const metrics = (await call(port, 'GET', '/metrics')).body;
    expect(metricSum(metrics, 'digit_serve_worker_exits_total', { phase: 'serving' })).toBe(3);
  }, 60_000);

  it('does not replace a worker that cannot start, and exits 1 with its one line when none is left', async () => {
    const { service, port, weights, listening } = await startCluster();
    // predictions served before the workers die stay in the counters after they are gone
    for (let i = 0; i < 4; i++) expect((await call(port, 'POST', '/predict', pixels)).status).toBe(200);
    expect(metricSum((await call(port, 'GET', '/metrics')).body, 'digit_serve_predictions_total')).toBe(4);
    await writeFile(weights, Buffer.from('not weights'));
    const [first, second] = listening();

    process.kill(first!, 'SIGKILL');
    await service.waitFor('the replacement to fail', () => service.logs('could not start').length === 1);
    const [notReplaced] = service.logs('could not start');
    expect(notReplaced).toMatchObject({ serving: 1 });
    expect(notReplaced!.reason).toContain(`cannot load weights from ${weights}`);
    // one worker still serves, and the service's counts did not go down
    expect((await call(port, 'POST', '/predict', pixels)).status).toBe(200);
    expect(metricSum((await call(port, 'GET', '/metrics')).body, 'digit_serve_predictions_total')).toBe(5);

    process.kill(second!, 'SIGKILL');
    expect(await service.exited).toBe(1);
    expect(service.stderr().trim().split('\n')).toEqual([
      expect.stringMatching(/^digit-serve: cannot load weights from .*toy\.safetensors: /),
    ]);
  }, 60_000);

  it('stops cleanly (exit 0) on a SIGTERM that comes while the workers are still starting', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cluster-'));
    const weights = join(dir, 'toy.safetensors');
    await saveWeights(weights, toyDigitModel().mlp, { name: 'toy' });
    const service = startService({ PORT: String(await freePort()), WORKERS: '2', WEIGHTS: weights });
    await service.waitFor('the forks', () => service.logs('workers started').length === 1);
    service.signal('SIGTERM');
    // the primary's stderr in the message: a rare failure here (an exit by a signal, seen once
    // in a loaded CI run and never alone) needs it to be understood
    expect(await service.exited, `stderr:\n${service.stderr()}`).toBe(0);
    expect(service.logs('all workers stopped').map((l) => l.clean)).toEqual([true]);
    expect(service.logs('Server listening')).toEqual([]);
  }, 60_000);

  it('honours LOG_LEVEL in the primary as in the workers', async () => {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'cluster-'));
    const weights = join(dir, 'toy.safetensors');
    await saveWeights(weights, toyDigitModel().mlp, { name: 'toy' });
    const service = startService({ PORT: String(port), WORKERS: '2', WEIGHTS: weights, LOG_LEVEL: 'silent' });
    await service.ready(port);
    expect((await call(port, 'POST', '/predict', pixels)).status).toBe(200);
    service.signal('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(service.logs('')).toEqual([]);
    expect(service.stdout()).toBe('');
    expect(service.stderr()).toBe('');
  }, 60_000);
});
