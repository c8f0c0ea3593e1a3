/**
 * The corpus in small: official test digits re-rendered as photos, scans, transparent PNGs,
 * WebP pictures and canvas drawings must be read (auto mode, the book's weights) within 2
 * points of the same digits read as the original 28x28 files; blank pictures of every kind
 * must be reported as no digit. bench/corpus/measure.ts runs the same at scale.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CORPUS_LIMITS, correctCounts, originalsBatch, renderBlank, scoreFamily } from '../../bench/corpus/corpus.js';
import { FAMILIES, familyNamed } from '../../bench/corpus/families.js';
import { sampleIndices } from '../../bench/corpus/rng.js';
import type { MnistSplit } from '../../src/data/idx.js';
import { loadWeights } from '../../src/model/weights/load.js';
import type { LoadedModel } from '../../src/model/weights/types.js';
import { preprocessImage } from '../../src/preprocess/index.js';
import { BOOK_WEIGHTS, loadTestSet } from '../support/mnist.js';
import { hasSharedData, warnIfSharedDataMissing } from '../support/shared-data.js';

const SEED = 7;
const DIGITS = 100;
const BLANKS = 8;
/** the families people's uploads come as; the format variants are read in preprocess.test.ts */
const DRAWN = ['photo', 'scan', 'transparent', 'webp', 'canvas'];

warnIfSharedDataMissing('the corpus accuracy tests (test/preprocess/corpus.test.ts)');

describe.skipIf(!hasSharedData)('corpus', () => {
  let set: MnistSplit;
  let book: LoadedModel;
  let indices: number[];
  let originalCorrect: number;

  beforeAll(async () => {
    [set, book] = await Promise.all([loadTestSet(), loadWeights(BOOK_WEIGHTS())]);
    indices = sampleIndices(set.count, DIGITS, SEED);
    const labels = indices.map((i) => set.labels[i]!);
    [originalCorrect] = correctCounts([book], originalsBatch(set, indices), labels) as [number];
  });

  it.each(DRAWN)('reads %s pictures within 2 points of the original 28x28 files, never as blank', { timeout: 30_000 }, async (name) => {
    const score = await scoreFamily(familyNamed(name), set, indices, SEED, [book]);
    expect(score.noDigit).toBe(0);
    expect(score.correct[0]! - originalCorrect).toBeGreaterThanOrEqual(-0.02 * DIGITS);
  });

  it.each(FAMILIES.map((f) => f.name))('reports blank %s pictures as no digit', async (name) => {
    for (let j = 0; j < BLANKS; j++) {
      const out = await preprocessImage(await renderBlank(familyNamed(name), j, SEED), { mode: 'auto', limits: CORPUS_LIMITS });
      expect(out.noDigit, `blank #${j}`).toBe(true);
    }
  });
});
