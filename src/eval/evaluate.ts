/** Accuracy of a model over a labelled set: overall, per class, and the confusion matrix. */
import { z } from 'zod';
import { argmaxRows, logits, type Mlp } from '../model/mlp.js';

export const ClassAccuracy = z.object({
  class: z.number().int(),
  correct: z.number().int(),
  total: z.number().int(),
  accuracy: z.number().nullable().describe('null when the set holds no image of this class'),
});

export const Scores = z.object({
  accuracy: z.number().min(0).max(1),
  correct: z.number().int(),
  total: z.number().int(),
  perClass: z.array(ClassAccuracy),
  confusionMatrix: z.array(z.array(z.number().int())).describe('rows: true class, columns: predicted class'),
});
export type Scores = z.infer<typeof Scores>;

/** Images per forward pass; between chunks the event loop gets a turn, so requests keep flowing. */
const CHUNK = 1000;

export async function evaluate(mlp: Mlp, inputs: Float32Array, labels: Uint8Array): Promise<Scores> {
  const k = mlp.classes;
  const size = mlp.inputSize;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let start = 0; start < labels.length; start += CHUNK) {
    const n = Math.min(CHUNK, labels.length - start);
    // argmax of the logits equals argmax of the softmax, which keeps the order
    const predicted = argmaxRows(logits(mlp, inputs.subarray(start * size, (start + n) * size), n), n, k);
    for (let i = 0; i < n; i++) confusion[labels[start + i]!]![predicted[i]!]!++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  const perClass = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return { class: c, correct: row[c]!, total, accuracy: total === 0 ? null : row[c]! / total };
  });
  const correct = perClass.reduce((a, c) => a + c.correct, 0);
  return {
    accuracy: labels.length === 0 ? 0 : correct / labels.length,
    correct,
    total: labels.length,
    perClass,
    confusionMatrix: confusion,
  };
}
