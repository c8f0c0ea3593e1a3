/** Labelled digits as the model reads them: the one type /eval, the trainer and the tools share. */
import { INPUT_SIZE, pixelsToTensor } from '../preprocess/tensor.js';

export interface LabelledSet {
  /** (count, 784) float32, pixel / 255 */
  readonly inputs: Float32Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

/** 8-bit pixels, 784 per digit, as a labelled set. */
export function fromPixels(pixels: Uint8Array, labels: Uint8Array): LabelledSet {
  // a set is kept for the life of its model: an array of its own, never a slab's (src/slab.ts)
  return { inputs: pixelsToTensor(pixels, new Float32Array(pixels.length)), labels, count: labels.length };
}

/** The rows `indices` of `set`, in that order. */
export function subset(set: LabelledSet, indices: ArrayLike<number>): LabelledSet {
  const inputs = new Float32Array(indices.length * INPUT_SIZE);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i]!;
    inputs.set(set.inputs.subarray(row * INPUT_SIZE, (row + 1) * INPUT_SIZE), i * INPUT_SIZE);
    labels[i] = set.labels[row]!;
  }
  return { inputs, labels, count: indices.length };
}
