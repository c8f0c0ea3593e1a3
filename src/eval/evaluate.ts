/** Accuracy of a model over a labelled set: overall, per class, and the confusion matrix. */
import { z } from 'zod';
import type { LabelledSet } from '../data/labelled-set.js';
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

/** Images per forward pass: big enough to amortise the calls; the server gives the event loop a turn between two. */
const CHUNK = 1000;

/** The scores of `mlp` on `set`, all at once: for the tools. */
export function evaluate(mlp: Mlp, set: LabelledSet): Scores {
  const run = scoring(mlp, set);
  for (;;) {
    const step = run.next();
    if (step.done) return step.value;
  }
}

/** The same, giving the event loop a turn after every chunk, so requests keep flowing: for the server. */
export async function evaluateInTurns(mlp: Mlp, set: LabelledSet): Promise<Scores> {
  const run = scoring(mlp, set);
  for (;;) {
    const step = run.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The one computation behind both: a confusion matrix filled a chunk at a time, pausing (yield) after each. */
function* scoring(mlp: Mlp, { inputs, labels, count }: LabelledSet): Generator<void, Scores> {
  const k = mlp.classes;
  const size = mlp.inputSize;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let start = 0; start < count; start += CHUNK) {
    const n = Math.min(CHUNK, count - start);
    // argmax of the logits equals argmax of the softmax, which keeps the order
    const predicted = argmaxRows(logits(mlp, inputs.subarray(start * size, (start + n) * size), n), n, k);
    for (let i = 0; i < n; i++) confusion[labels[start + i]!]![predicted[i]!]!++;
    yield;
  }
  const perClass = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return { class: c, correct: row[c]!, total, accuracy: total === 0 ? null : row[c]! / total };
  });
  const correct = perClass.reduce((a, c) => a + c.correct, 0);
  return {
    accuracy: count === 0 ? 0 : correct / count,
    correct,
    total: count,
    perClass,
    confusionMatrix: confusion,
  };
}
