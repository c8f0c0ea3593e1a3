/**
 * The corpus through a real listening server: for pictures of every family, POST /predict and
 * POST /predict/batch answer exactly what the in-process pipeline (preprocessImage in auto
 * mode, then the model) gives, which is what bench/corpus/measure.ts scores; blank pictures
 * of every kind are answered no_digit by both. bench/corpus/serve-measure.ts measures the
 * served accuracy at scale.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS_LIMITS, renderBlank, renderDigit } from '../../bench/corpus/corpus.js';
import { FAMILIES, familyNamed } from '../../bench/corpus/families.js';
import { sampleIndices } from '../../bench/corpus/rng.js';
import { predictBatches, predictEach, type ServedAnswer } from '../../bench/corpus/served.js';
import type { MnistSplit } from '../../src/data/idx.js';
import { predictBatch } from '../../src/model/predict.js';
import { loadWeights } from '../../src/model/weights/load.js';
import type { LoadedModel } from '../../src/model/weights/types.js';
import { preprocessImage } from '../../src/preprocess/index.js';
import { BOOK_WEIGHTS, loadTestSet } from '../support/mnist.js';
import { startServer, type RunningServer } from '../support/server.js';
import { hasSharedData, warnIfSharedDataMissing } from '../support/shared-data.js';

const SEED = 11;
const DIGITS = 12;
const BLANKS = 3;

warnIfSharedDataMissing('the served corpus tests (test/http/corpus-e2e.test.ts)');

/** What the service must answer for `bytes`: the in-process pipeline's class, or no_digit. */
async function expectedAnswer(model: LoadedModel, bytes: Buffer): Promise<ServedAnswer> {
  const out = await preprocessImage(bytes, { mode: 'auto', limits: CORPUS_LIMITS });
  return out.noDigit ? { code: 'no_digit' } : { prediction: predictBatch(model.mlp, out.tensor, 1)[0]!.prediction };
}

describe.skipIf(!hasSharedData)('the corpus through a real server', () => {
  let server: RunningServer;
  let set: MnistSplit;
  let book: LoadedModel;
  let indices: number[];

  beforeAll(async () => {
    [set, book, server] = await Promise.all([loadTestSet(), loadWeights(BOOK_WEIGHTS()), startServer({ WEIGHTS: BOOK_WEIGHTS() })]);
    indices = sampleIndices(set.count, DIGITS, SEED);
  });
  afterAll(() => server?.close());

  it.each(FAMILIES.filter((f) => !f.blankOnly).map((f) => f.name))(
    '%s pictures: /predict and /predict/batch answer what the pipeline measured in process gives',
    { timeout: 30_000 },
    async (name) => {
      const family = familyNamed(name);
      const files = await Promise.all(indices.map((index) => renderDigit(family, set, index, SEED)));
      const expected = await Promise.all(files.map((bytes) => expectedAnswer(book, bytes)));
      expect(expected.every((a) => 'prediction' in a)).toBe(true);
      expect(await predictEach(server.url, files, family.ext)).toEqual(expected);
      expect(await predictBatches(server.url, files, family.ext, 5)).toEqual(expected);
    },
  );

  it.each(FAMILIES.map((f) => f.name))('blank %s pictures are answered no_digit, alone and in a batch', async (name) => {
    const family = familyNamed(name);
    const files = await Promise.all(Array.from({ length: BLANKS }, (_, j) => renderBlank(family, j, SEED)));
    const noDigit = files.map(() => ({ code: 'no_digit' }));
    expect(await predictEach(server.url, files, family.ext)).toEqual(noDigit);
    expect(await predictBatches(server.url, files, family.ext, BLANKS)).toEqual(noDigit);
  });
});
