/** Rendering corpus items and scoring the preprocessing on them; shared by measure.ts and the tests. */
import { existsSync } from 'node:fs';
import type { MnistSplit } from '../../src/data/idx.js';
import { predictBatch } from '../../src/model/predict.js';
import type { LoadedModel } from '../../src/model/weights/types.js';
import { DEFAULT_ALLOWED_FORMATS } from '../../src/preprocess/decode.js';
import { preprocessImage } from '../../src/preprocess/index.js';
import { INPUT_SIZE, pixelsToTensor } from '../../src/preprocess/tensor.js';
import { sharedPath } from '../../test/support/shared-data.js';
import type { Family } from './families.js';
import { CorpusRng } from './rng.js';

const OUR_WEIGHTS = 'weights/digit-serve-mlp.safetensors';

/** `--weights a,b` as files; by default the book's weights and ours (when they exist). */
export function corpusWeightFiles(list: string | undefined): string[] {
  return list?.split(',') ?? [sharedPath('dlfs/sample_weight.pkl'), ...(existsSync(OUR_WEIGHTS) ? [OUR_WEIGHTS] : [])];
}

export const CORPUS_LIMITS = { maxInputPixels: 25_000_000, allowedFormats: DEFAULT_ALLOWED_FORMATS };

/** Test digit `index` as the family draws it: the same bytes for the same seed. */
export function renderDigit(family: Family, set: MnistSplit, index: number, seed: number): Promise<Buffer> {
  const digit = set.images.subarray(index * INPUT_SIZE, (index + 1) * INPUT_SIZE);
  return family.render(digit, CorpusRng.forKey(seed, family.name, index));
}

/** Blank picture number `j` of the family's kind. */
export function renderBlank(family: Family, j: number, seed: number): Promise<Buffer> {
  return family.render(null, CorpusRng.forKey(seed, family.name, 'blank', j));
}

/** `fn` over `items`, at most `limit` at a time, results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The 28x28 originals of `indices`, as the model reads an MNIST file: one (n, 784) batch. */
export function originalsBatch(set: MnistSplit, indices: readonly number[]): Float32Array {
  const batch = new Float32Array(indices.length * INPUT_SIZE);
  indices.forEach((index, r) =>
    pixelsToTensor(set.images.subarray(index * INPUT_SIZE, (index + 1) * INPUT_SIZE), batch.subarray(r * INPUT_SIZE)),
  );
  return batch;
}

/** How many rows of `batch` each model classifies as `labels` says; a row flagged in `wrong` never counts. */
export function correctCounts(
  models: readonly LoadedModel[],
  batch: Float32Array,
  labels: readonly number[],
  wrong?: readonly boolean[],
): number[] {
  return models.map((model) =>
    predictBatch(model.mlp, batch, labels.length).reduce((n, p, r) => n + (p.prediction === labels[r] && !wrong?.[r] ? 1 : 0), 0),
  );
}

export interface FamilyScore {
  readonly family: string;
  readonly count: number;
  /** per model, digits classified correctly (a digit reported as no digit counts as wrong) */
  readonly correct: number[];
  /** digits reported as no digit */
  readonly noDigit: number;
  /** digits that auto sent through the plain pipeline */
  readonly plain: number;
  /** preprocessImage time per image, one at a time, ms */
  readonly msPerImage: number;
  /** the faintest digit: smallest ink contrast, levels */
  readonly minContrast: number;
}

/** Render the family's picture of each digit, preprocess it (auto) and score it with each model. */
export async function scoreFamily(
  family: Family,
  set: MnistSplit,
  indices: readonly number[],
  seed: number,
  models: readonly LoadedModel[],
  chunk = 100,
): Promise<FamilyScore> {
  const batch = new Float32Array(indices.length * INPUT_SIZE);
  const noDigit: boolean[] = [];
  let plain = 0;
  let ms = 0;
  let minContrast = Infinity;
  for (let start = 0; start < indices.length; start += chunk) {
    const part = indices.slice(start, start + chunk);
    const files = await mapLimit(part, 4, (index) => renderDigit(family, set, index, seed));
    for (const [k, bytes] of files.entries()) {
      const t0 = performance.now();
      const out = await preprocessImage(bytes, { mode: 'auto', limits: CORPUS_LIMITS });
      ms += performance.now() - t0;
      batch.set(out.tensor, (start + k) * INPUT_SIZE);
      noDigit.push(out.noDigit);
      if (out.mode === 'plain') plain++;
      minContrast = Math.min(minContrast, out.evidence.contrast);
    }
  }
  const labels = indices.map((i) => set.labels[i]!);
  return {
    family: family.name,
    count: indices.length,
    correct: correctCounts(models, batch, labels, noDigit),
    noDigit: noDigit.filter(Boolean).length,
    plain,
    msPerImage: ms / indices.length,
    minContrast,
  };
}

export interface BlankScore {
  /** blank pictures reported as no digit */
  readonly flagged: number;
  /** the most digit-like blank: largest ink contrast, levels */
  readonly maxContrast: number;
}

/** The no-digit verdict on `count` blank pictures of the family's kind. */
export async function scoreBlanks(family: Family, count: number, seed: number): Promise<BlankScore> {
  const outs = await mapLimit(
    Array.from({ length: count }, (_, j) => j),
    4,
    async (j) => preprocessImage(await renderBlank(family, j, seed), { mode: 'auto', limits: CORPUS_LIMITS }),
  );
  return { flagged: outs.filter((o) => o.noDigit).length, maxContrast: Math.max(...outs.map((o) => o.evidence.contrast)) };
}
