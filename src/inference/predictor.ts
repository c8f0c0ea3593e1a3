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
import { QueueFullError, type Limiter } from './limiter.js';

export type ItemResult = ClassPrediction | HttpProblem;

/** Seconds a shed client is told to wait: decoding queues drain in well under a second. */
const RETRY_AFTER_SECONDS = 1;

export class Predictor {
  constructor(
    readonly model: LoadedModel,
    private readonly limits: DecodeLimits,
    private readonly decodeSlots: Limiter,
  ) {}

  async tensorOf(item: InputItem): Promise<Float32Array> {
    if (item.kind === 'pixels') return item.pixels;
    try {
      return await this.decodeSlots.run(() => plainTensor(item.bytes, this.limits));
    } catch (err) {
      if (err instanceof QueueFullError) {
        throw new HttpProblem(
          'overloaded',
          'too many images are waiting to be decoded',
          {},
          { 'retry-after': String(RETRY_AFTER_SECONDS) },
        );
      }
      throw err;
    }
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
          // a saturated server sheds the whole request; any other problem belongs to its item
          if (err instanceof HttpProblem && err.code !== 'overloaded') return err;
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
