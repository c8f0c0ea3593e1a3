/**
 * The shipped parts model (weights/digit-serve-parts.safetensors) tells a whole digit from a
 * piece of one and from two digits run together, on MNIST test digits it was never trained on
 * (its examples were drawn from training digits). Each kind is normalised as /read normalises
 * a part (mnistPixels on the crop); the floors are today's rates less a margin.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { MnistSplit } from '../../src/data/idx.js';
import { predictBatch } from '../../src/model/predict.js';
import type { InkCrop } from '../../src/preprocess/ink.js';
import { mnistPixels } from '../../src/preprocess/normalise.js';
import { pixelsToTensor, stackRows } from '../../src/preprocess/tensor.js';
import { NOT_A_DIGIT, type ReadModels } from '../../src/read/classifier-cuts.js';
import { loadTestSet } from '../support/mnist.js';
import { hasSharedData, warnIfSharedDataMissing } from '../support/shared-data.js';
import { loadShippedModels } from './read-picture.js';

warnIfSharedDataMissing('the parts-model tests on MNIST test digits (test/read/parts-model.test.ts)');

const SIDE = 28;
const COUNT = 300;
const INK = 50;

let set: MnistSplit;
let models: ReadModels;

beforeAll(async () => {
  if (!hasSharedData) return;
  [set, { models }] = await Promise.all([loadTestSet(), loadShippedModels()]);
});

/** Levels (white ink on black) of `width` x SIDE as /read hands a part to mnistPixels: the tight box of its ink. */
function crop(data: Uint8Array, width: number): InkCrop {
  const box = { x0: width, y0: SIDE, x1: -1, y1: -1 };
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < width; x++) {
      if (data[y * width + x]! <= INK) continue;
      [box.x0, box.x1] = [Math.min(box.x0, x), Math.max(box.x1, x)];
      [box.y0, box.y1] = [Math.min(box.y0, y), Math.max(box.y1, y)];
    }
  }
  return { levels: { width, height: SIDE, data }, box, threshold: INK };
}

const digit = (i: number) => set.images.subarray(i * SIDE * SIDE, (i + 1) * SIDE * SIDE);

/** Test digit i with the columns from `from` on erased. */
function leftPart(i: number, from: number): Uint8Array {
  const out = Uint8Array.from(digit(i));
  for (let y = 0; y < SIDE; y++) out.fill(0, y * SIDE + from, (y + 1) * SIDE);
  return out;
}

/** Test digits i and j side by side, j's strokes starting `overlap` columns inside i's picture. */
function pair(i: number, j: number, overlap: number): { data: Uint8Array; width: number } {
  const width = 2 * SIDE - overlap;
  const data = new Uint8Array(width * SIDE);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      data[y * width + x] = digit(i)[y * SIDE + x]!;
      const at = y * width + x + SIDE - overlap;
      data[at] = Math.max(data[at]!, digit(j)[y * SIDE + x]!);
    }
  }
  return { data, width };
}

/** The parts model's classes for the crops. */
function classes(crops: readonly InkCrop[]): number[] {
  const rows = stackRows(crops.map((c) => pixelsToTensor(mnistPixels(c))));
  return predictBatch(models.parts, rows, crops.length).map((p) => p.prediction);
}

const share = (xs: readonly boolean[]) => xs.filter(Boolean).length / xs.length;
const indices = Array.from({ length: COUNT }, (_, k) => k * 7);

describe.skipIf(!hasSharedData)('the parts model on MNIST test digits', () => {
  it('calls a whole digit a digit, mostly its own', () => {
    const read = classes(indices.map((i) => crop(Uint8Array.from(digit(i)), SIDE)));
    const digits = share(read.map((c) => c !== NOT_A_DIGIT));
    const own = share(read.map((c, k) => c === set.labels[indices[k]!]));
    console.log(`whole digits called a digit: ${digits.toFixed(3)}, their own: ${own.toFixed(3)}`);
    expect(digits).toBeGreaterThanOrEqual(0.85);
    expect(own).toBeGreaterThanOrEqual(0.8);
  });

  it('calls the left half of a digit not one digit', () => {
    // the digit's ink box split down its middle: what a cut through a digit leaves
    const halves = indices.map((i) => {
      const box = crop(Uint8Array.from(digit(i)), SIDE).box!;
      return crop(leftPart(i, Math.round((box.x0 + box.x1) / 2)), SIDE);
    });
    const rate = share(classes(halves).map((c) => c === NOT_A_DIGIT));
    console.log(`left halves called not a digit: ${rate.toFixed(3)}`);
    expect(rate).toBeGreaterThanOrEqual(0.7);
  });

  it('calls two digits run together not one digit', () => {
    const pairs = indices.map((i, k) => {
      const { data, width } = pair(i, indices[(k + 1) % COUNT]!, 8);
      return crop(data, width);
    });
    const rate = share(classes(pairs).map((c) => c === NOT_A_DIGIT));
    console.log(`pairs called not a digit: ${rate.toFixed(3)}`);
    expect(rate).toBeGreaterThanOrEqual(0.95);
  });
});
