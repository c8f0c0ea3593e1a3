/**
 * One picture of the numbers corpus and its truth, and the ceiling: how many pictures' source
 * digits the model reads right on their original 28x28 pixels. Every picture has its own
 * random stream keyed by (seed, family, index), so any one picture can be re-rendered alone.
 */
import { originalsBatch } from '../corpus/corpus.js';
import { CorpusRng } from '../corpus/rng.js';
import type { MnistSplit } from '../../src/data/idx.js';
import { predictBatch } from '../../src/model/predict.js';
import type { LoadedModel } from '../../src/model/weights/types.js';
import { INPUT_SIZE } from '../../src/preprocess/tensor.js';
import { encode, SCALES, type Medium, type NumberFamily } from './families.js';
import type { Box } from './layout.js';

/** Where the digits come from: the test set, and per label the test indices a picture may use. */
export interface DigitSource {
  readonly set: MnistSplit;
  readonly pool: readonly (readonly number[])[];
}

/**
 * The test digits `model` reads right on their original pixels, per label, so that a number's
 * string is readable by the model digit by digit and the corpus measures segmentation, not
 * the classifier's known misses. A label the model never reads right would keep all its digits.
 */
export function readableSource(set: MnistSplit, model: LoadedModel): DigitSource {
  const all = Array.from({ length: set.count }, (_, i) => i);
  const predictions = predictBatch(model.mlp, originalsBatch(set, all), set.count);
  const pool = Array.from({ length: 10 }, (_, label) => {
    const ofLabel = all.filter((i) => set.labels[i] === label);
    const readable = ofLabel.filter((i) => predictions[i]!.prediction === label);
    return readable.length > 0 ? readable : ofLabel;
  });
  return { set, pool };
}

export interface DigitTruth {
  readonly label: number;
  /** index in the official MNIST test set */
  readonly source: number;
  /** the tight box of the digit's own ink in the picture (a neighbour's ink may reach into it) */
  readonly box: Box;
}

export interface NumberTruth {
  readonly family: string;
  readonly index: number;
  readonly medium: Medium;
  readonly ext: 'jpg' | 'png';
  readonly width: number;
  readonly height: number;
  /** the digits left to right; '' on a blank family's picture */
  readonly text: string;
  readonly digits: readonly DigitTruth[];
}

export interface NumberPicture {
  readonly bytes: Buffer;
  readonly truth: NumberTruth;
}

export const MIN_DIGITS = 2;
export const MAX_DIGITS = 8;

/** Picture `index` of `family`: the same bytes and truth for the same seed and source. */
export async function renderNumber(family: NumberFamily, source: DigitSource, index: number, seed: number): Promise<NumberPicture> {
  const rng = CorpusRng.forKey(seed, 'numbers', family.name, index);
  const labels = family.blank ? [] : Array.from({ length: rng.int(MIN_DIGITS, MAX_DIGITS) }, () => rng.int(0, 9));
  const sources = labels.map((label) => rng.pick(source.pool[label]!));
  const digits = sources.map((i) => source.set.images.subarray(i * INPUT_SIZE, (i + 1) * INPUT_SIZE));
  const medium = rng.pick(family.media);
  const drawing = await family.draw(digits, rng.uniform(...SCALES[medium]), rng);
  const { bytes, ext } = await encode(drawing, medium, rng);
  const { ink, boxes } = drawing.sheet;
  return {
    bytes,
    truth: {
      family: family.name,
      index,
      medium,
      ext,
      width: ink.width,
      height: ink.height,
      text: labels.join(''),
      digits: labels.map((label, i) => ({ label, source: sources[i]!, box: boxes[i]! })),
    },
  };
}

export interface FamilyCeiling {
  readonly family: string;
  readonly pictures: number;
  /** pictures whose every source digit the model reads right on the original 28x28 pixels */
  readonly readable: number;
}

/** The ceiling per family, families in order of first appearance; a picture with no digit is readable. */
export function ceiling(truths: readonly NumberTruth[], set: MnistSplit, model: LoadedModel): FamilyCeiling[] {
  const sources = truths.flatMap((t) => t.digits.map((d) => d.source));
  const predictions = sources.length > 0 ? predictBatch(model.mlp, originalsBatch(set, sources), sources.length) : [];
  const byFamily = new Map<string, { pictures: number; readable: number }>();
  let next = 0;
  for (const truth of truths) {
    const score = byFamily.get(truth.family) ?? { pictures: 0, readable: 0 };
    const read = truth.digits.map((d) => predictions[next++]!.prediction === d.label).every(Boolean);
    byFamily.set(truth.family, { pictures: score.pictures + 1, readable: score.readable + (read ? 1 : 0) });
  }
  return [...byFamily].map(([family, s]) => ({ family, ...s }));
}
