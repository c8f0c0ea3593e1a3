/** From probabilities to the answers the service gives: the class, its confidence, all ten probabilities. */
import { z } from 'zod';
import { argmaxRows, forward, type Mlp } from './mlp.js';

export const ClassPrediction = z.object({
  prediction: z.number().int().min(0).describe('the most probable class'),
  confidence: z.number().min(0).max(1).describe('probability of the predicted class'),
  probabilities: z.array(z.number().min(0).max(1)).describe('softmax output, one per class, summing to 1'),
});
export type ClassPrediction = z.infer<typeof ClassPrediction>;

/** x (n, inputSize) -> one prediction per row, in order, from a single batched forward pass. */
export function predictBatch(mlp: Mlp, x: Float32Array, n: number): ClassPrediction[] {
  const probs = forward(mlp, x, n);
  const k = mlp.classes;
  return Array.from(argmaxRows(probs, n, k), (best, r) => ({
    prediction: best,
    confidence: probs[r * k + best]!,
    probabilities: Array.from(probs.subarray(r * k, (r + 1) * k)),
  }));
}
