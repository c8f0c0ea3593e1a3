import { argmaxRows, logits, type Mlp } from '../model/mlp.js';
import type { Dataset } from './dataset.js';

/** Rows per forward pass: big enough to amortise calls, small enough to keep buffers in cache. */
const CHUNK = 500;

/** Fraction of `data` whose argmax class equals the label. */
export function accuracy(mlp: Mlp, data: Dataset): number {
  if (data.count === 0) return 0;
  const d = mlp.inputSize;
  let correct = 0;
  for (let start = 0; start < data.count; start += CHUNK) {
    const n = Math.min(CHUNK, data.count - start);
    const z = logits(mlp, data.images.subarray(start * d, (start + n) * d), n);
    const predicted = argmaxRows(z, n, mlp.classes);
    for (let r = 0; r < n; r++) if (predicted[r] === data.labels[start + r]) correct++;
  }
  return correct / data.count;
}
