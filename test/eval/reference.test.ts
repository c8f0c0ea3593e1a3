/**
 * The book's figure, reproduced exactly in-process: for every one of the 10,000 official test
 * images, the class equals numpy's reference and every probability is within 1e-5 of it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnistTestSet } from '../../src/eval/dataset.js';
import { EvalJob } from '../../src/eval/job.js';
import { forward } from '../../src/model/mlp.js';
import { predictBatch } from '../../src/model/predict.js';
import { loadWeights } from '../../src/model/weights/load.js';
import type { LoadedModel } from '../../src/model/weights/types.js';
import { pixelsToTensor } from '../../src/preprocess/tensor.js';
import { BOOK_WEIGHTS, loadReference, loadTestSet, maxProbabilityError, MNIST_DIR, type Reference } from '../support/mnist.js';
import { hasSharedData, warnIfSharedDataMissing } from '../support/shared-data.js';

const TOLERANCE = 1e-5;

warnIfSharedDataMissing('the in-process reference tests over the 10,000 test images (test/eval/reference.test.ts)');

describe.skipIf(!hasSharedData)('the book network on the official test set', () => {
  let model: LoadedModel;
  let ref: Reference;
  let inputs: Float32Array;
  let labels: Uint8Array;

  beforeAll(async () => {
    model = await loadWeights(BOOK_WEIGHTS());
    ref = await loadReference();
    const set = await loadTestSet();
    inputs = pixelsToTensor(set.images);
    labels = set.labels;
  });

  it('matches the reference class and probabilities for all 10,000 images in one batch', () => {
    const results = predictBatch(model.mlp, inputs, 10_000);
    let worst = 0;
    let mismatches = 0;
    let correct = 0;
    results.forEach((r, i) => {
      if (r.prediction !== ref.predictions[i]) mismatches++;
      if (r.prediction === labels[i]) correct++;
      worst = Math.max(worst, maxProbabilityError(ref, i, r.probabilities));
    });
    expect(mismatches).toBe(0);
    expect(worst).toBeLessThan(TOLERANCE);
    expect(correct).toBe(9352);
  });

  it('gives bit-identical probabilities one image at a time and in batches of any size', () => {
    const whole = forward(model.mlp, inputs, 10_000);
    for (const size of [1, 7, 100]) {
      for (let start = 0; start < 10_000; start += size) {
        const n = Math.min(size, 10_000 - start);
        const part = forward(model.mlp, inputs.subarray(start * 784, (start + n) * 784), n);
        // compare as bytes: any difference in any bit fails
        const expected = new Uint8Array(whole.buffer, whole.byteOffset + start * 10 * 4, n * 10 * 4);
        if (Buffer.compare(Buffer.from(part.buffer, part.byteOffset, part.byteLength), Buffer.from(expected)) !== 0) {
          throw new Error(`batch size ${size}: rows ${start}..${start + n} differ from the single batch`);
        }
      }
    }
  });

  it('reports accuracy 0.9352 through the eval job, with per-class figures and the confusion matrix', async () => {
    const job = new EvalJob(
      model,
      () => loadMnistTestSet(MNIST_DIR()),
      () => {},
      { name: 'book', version: '1', sha256: model.info.sha256 },
    );
    const report = await job.get();
    expect(report.accuracy).toBe(0.9352);
    expect([report.correct, report.total]).toEqual([9352, 10_000]);
    expect(report.dataset).toMatchObject({ name: 'mnist-t10k', size: 10_000 });
    expect(report.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(report.perClass.reduce((a, c) => a + c.correct, 0)).toBe(9352);
    expect(report.perClass.map((c) => c.total)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(await job.get()).toBe(report);
    const refreshed = await job.get(true);
    expect(refreshed).not.toBe(report);
    expect(refreshed.accuracy).toBe(0.9352);
  });
});
