/** The official test set and the book's reference outputs, read once per test file. */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { loadMnistSplit, type MnistSplit } from '../../src/data/idx.js';
import { sharedPath } from './shared-data.js';

export interface Reference {
  readonly predictions: Uint8Array;
  /** (10000, 10) float32 softmax of the book's network, computed by numpy */
  readonly probabilities: Float32Array;
}

export const BOOK_WEIGHTS = () => sharedPath('dlfs/sample_weight.pkl');
export const MNIST_DIR = () => sharedPath('mnist');

export function loadTestSet(): Promise<MnistSplit> {
  return loadMnistSplit(MNIST_DIR(), 't10k');
}

export async function loadReference(): Promise<Reference> {
  const [pred, prob] = await Promise.all([
    readFile(sharedPath('dlfs/t10k-reference-predictions.u8')),
    readFile(sharedPath('dlfs/t10k-reference-probabilities.f32le')),
  ]);
  const probabilities = new Float32Array(prob.length / 4);
  for (let i = 0; i < probabilities.length; i++) probabilities[i] = prob.readFloatLE(i * 4);
  return { predictions: new Uint8Array(pred), probabilities };
}

/** Test image `i` as the 28x28 8-bit grayscale PNG a client would upload. */
export function digitPng(set: MnistSplit, i: number): Promise<Buffer> {
  const pixels = Buffer.from(set.images.subarray(i * 784, (i + 1) * 784));
  return sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } })
    .png()
    .toBuffer();
}

/** Largest absolute difference between `probs` and the reference row of image `i`. */
export function maxProbabilityError(ref: Reference, i: number, probs: ArrayLike<number>): number {
  let worst = 0;
  for (let j = 0; j < 10; j++) worst = Math.max(worst, Math.abs(probs[j]! - ref.probabilities[i * 10 + j]!));
  return worst;
}
