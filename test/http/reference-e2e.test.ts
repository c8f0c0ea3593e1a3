/**
 * The same reference, end to end: real PNG files through a real listening server, one by one
 * through /predict and in batches through /predict/batch.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MnistSplit } from '../../src/data/idx.js';
import { BOOK_WEIGHTS, digitPng, loadReference, loadTestSet, maxProbabilityError, MNIST_DIR, type Reference } from '../support/mnist.js';
import { startServer, type RunningServer } from '../support/server.js';
import { hasSharedData, warnIfSharedDataMissing } from '../support/shared-data.js';

const TOLERANCE = 1e-5;
/** Spread over the whole set (every 25th image), so every class and many hard cases are sent. */
const SAMPLE = Array.from({ length: 400 }, (_, k) => k * 25);

warnIfSharedDataMissing('the end-to-end reference tests (test/http/reference-e2e.test.ts)');

describe.skipIf(!hasSharedData)('reference predictions through a real server', () => {
  let server: RunningServer;
  let set: MnistSplit;
  let ref: Reference;
  let pngs: Map<number, Buffer>;

  beforeAll(async () => {
    server = await startServer({ WEIGHTS: BOOK_WEIGHTS(), MNIST_DIR: MNIST_DIR() });
    [set, ref] = await Promise.all([loadTestSet(), loadReference()]);
    pngs = new Map(await Promise.all(SAMPLE.map(async (i) => [i, await digitPng(set, i)] as const)));
  });
  afterAll(() => server?.close());

  it('GET /eval reports the book figure 0.9352 exactly', async () => {
    const res = await request(server.url).get('/eval').expect(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      accuracy: 0.9352,
      correct: 9352,
      total: 10_000,
      dataset: { name: 'mnist-t10k', size: 10_000 },
    });
    expect(res.body.model.sha256).toBe('b7f55a27988ba34c3777b0f1bbd464817c8a4db855723e6ff26f703501917a13');
    expect(res.body.confusionMatrix).toHaveLength(10);
    expect(typeof res.body.computedAt).toBe('string');
    expect(typeof res.body.durationMs).toBe('number');
    // the model and the version of its weights (the sha256's first 12 hex digits) label its metrics
    const metrics = (await request(server.url).get('/metrics').expect(200)).text;
    expect(metrics).toContain(
      `digit_serve_eval_accuracy{model="${res.body.model.name}",version="b7f55a27988b",dataset="mnist-t10k"} 0.9352`,
    );
  });

  it('GET /eval?refresh=1 recomputes and gives the same figure', async () => {
    const first = await request(server.url).get('/eval').expect(200);
    const again = await request(server.url).get('/eval?refresh=1').expect(200);
    expect(again.body.accuracy).toBe(0.9352);
    expect(again.body.computedAt >= first.body.computedAt).toBe(true);
  });

  it('POST /predict answers every sampled PNG like the reference', async () => {
    let worst = 0;
    for (const i of SAMPLE) {
      const res = await request(server.url).post('/predict').attach('image', pngs.get(i)!, `digit-${i}.png`).expect(200);
      expect(res.body.prediction, `image ${i}`).toBe(ref.predictions[i]);
      expect(res.body.confidence).toBe(res.body.probabilities[res.body.prediction]);
      worst = Math.max(worst, maxProbabilityError(ref, i, res.body.probabilities));
    }
    expect(worst).toBeLessThan(TOLERANCE);
  });

  it('POST /predict/batch answers the same PNGs in input order', async () => {
    let worst = 0;
    for (let start = 0; start < SAMPLE.length; start += 50) {
      const chunk = SAMPLE.slice(start, start + 50);
      let req = request(server.url).post('/predict/batch');
      for (const i of chunk) req = req.attach('images', pngs.get(i)!, `digit-${i}.png`);
      const res = await req.expect(200);
      expect(res.body.count).toBe(chunk.length);
      chunk.forEach((i, k) => {
        const r = res.body.results[k];
        expect(r.prediction, `image ${i}`).toBe(ref.predictions[i]);
        worst = Math.max(worst, maxProbabilityError(ref, i, r.probabilities));
      });
    }
    expect(worst).toBeLessThan(TOLERANCE);
  });

  it('gives the same probabilities for a raw PNG body, a multipart upload and JSON pixels', async () => {
    const i = 1234;
    const png = await digitPng(set, i);
    const pixels = Array.from(set.images.subarray(i * 784, (i + 1) * 784), (v) => v / 255);
    const multipart = await request(server.url).post('/predict').attach('image', png, 'd.png').expect(200);
    const raw = await request(server.url).post('/predict').set('content-type', 'image/png').send(png).expect(200);
    const json = await request(server.url).post('/predict').send({ pixels }).expect(200);
    expect(raw.body.probabilities).toEqual(multipart.body.probabilities);
    expect(json.body.probabilities).toEqual(multipart.body.probabilities);
    expect(multipart.body.prediction).toBe(ref.predictions[i]);
  });
});
