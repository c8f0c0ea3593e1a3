/** Response shapes shared by the routes; types are derived from them, never retyped. */
import { z } from 'zod';
import { ClassPrediction } from '../model/predict.js';
import { ProblemSchema } from '../http/problem.js';
import { ModelRef } from '../models/served-model.js';

export { ModelRef };

export const ModelInputView = z.object({
  mode: z
    .enum(['mnist', 'plain', 'pixels'])
    .describe('how the input was made: MNIST-style normalisation, whole-picture resize, or pixels as sent'),
  tensor: z.array(z.number()).describe('the 784 values the model received, row-major 28x28'),
  png: z.string().describe('the same 28x28 input as a PNG data URL'),
});

export const PredictResponse = ClassPrediction.extend({
  digitsFound: z
    .number()
    .int()
    .min(0)
    .describe('how many digits the picture seems to hold, by the shapes of its ink; this answer reads it as one digit whatever the count'),
  warning: z
    .string()
    .optional()
    .describe('present when digitsFound is more than 1: the picture looks like a number, which POST /read reads'),
  model: ModelRef,
  debug: ModelInputView.optional().describe('with debug=1: what the model saw'),
});

export const BatchItemError = z.object({ error: ProblemSchema });

export const BatchResponse = z.object({
  count: z.number().int().describe('number of items, answered in input order'),
  model: ModelRef,
  results: z.array(z.union([PredictResponse, BatchItemError])),
});
