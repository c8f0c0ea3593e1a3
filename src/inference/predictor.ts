/**
 * Items in, predictions out: decode what needs decoding, stack every good tensor into one
 * batch, run one forward pass, and put each answer (or each item's problem) back in place.
 */
import type { ItemOrProblem, InputItem } from '../http/inputs.js';
import { HttpProblem } from '../http/problem.js';
import { predictBatch, type ClassPrediction } from '../model/predict.js';
import type { LoadedModel } from '../model/weights/types.js';
import { plainTensor, type DecodeLimits } from '../preprocess/decode.js';
import { stackRows } from '../preprocess/tensor.js';

export type ItemResult = ClassPrediction | HttpProblem;

export class Predictor {
  constructor(
    readonly model: LoadedModel,
    private readonly limits: DecodeLimits,
  ) {}

  tensorOf(item: InputItem): Promise<Float32Array> {
    return item.kind === 'pixels' ? Promise.resolve(item.pixels) : plainTensor(item.bytes, this.limits);
  }

  async predictOne(item: InputItem): Promise<ClassPrediction> {
    const tensor = await this.tensorOf(item);
    return predictBatch(this.model.mlp, tensor, 1)[0]!;
  }

  async predictMany(items: readonly ItemOrProblem[]): Promise<ItemResult[]> {
    const tensors = await Promise.all(
      items.map(async (item) => {
        if (item instanceof HttpProblem) return item;
        try {
          return await this.tensorOf(item);
        } catch (err) {
          if (err instanceof HttpProblem) return err;
          throw err;
        }
      }),
    );
    const good = tensors.filter((t): t is Float32Array => t instanceof Float32Array);
    const predictions = good.length ? predictBatch(this.model.mlp, stackRows(good), good.length) : [];
    let next = 0;
    return tensors.map((t) => (t instanceof HttpProblem ? t : predictions[next++]!));
  }
}
