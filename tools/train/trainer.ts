/**
 * Mini-batch training of an Mlp: shuffle, augment, backpropagate, Adam step, weight average;
 * one held-out evaluation per epoch. Single-threaded and driven by one seeded Rng, so the
 * same options and data give the same weights bit for bit.
 */
import type { HiddenActivation, Mlp } from '../../src/model/mlp.js';
import { AUGMENT_LEVELS, Augmenter, type AugmentLevel } from './augment.js';
import { WeightAverage } from './average.js';
import { createGradients, lossAndGradients } from './backprop.js';
import type { LabelledSet } from '../../src/data/labelled-set.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { initMlp } from './init.js';
import { Adam, ADAM_DEFAULTS } from './optimizer.js';
import { Rng } from './rng.js';
import { learningRate } from './schedule.js';

export interface TrainOptions {
  /** layer widths, input first: [784, 50, 100, 10] */
  readonly sizes: readonly number[];
  /** the activation of every hidden layer */
  readonly activation: HiddenActivation;
  readonly epochs: number;
  readonly batchSize: number;
  /** peak learning rate of Adam */
  readonly lr: number;
  /** learning rate at the end of the cosine decay */
  readonly minLr: number;
  readonly warmupEpochs: number;
  /** AdamW decoupled weight decay */
  readonly weightDecay: number;
  readonly labelSmoothing: number;
  readonly augment: AugmentLevel;
  /** decay of the exponential weight average that is evaluated and returned; 0 returns the live weights */
  readonly ema: number;
  readonly seed: number;
}

export interface EpochReport {
  readonly epoch: number;
  readonly epochs: number;
  /** mean training loss over the epoch's (augmented) batches */
  readonly loss: number;
  readonly heldoutAccuracy: number | null;
  readonly elapsedMs: number;
}

export interface TrainResult {
  readonly mlp: Mlp;
  readonly history: readonly EpochReport[];
  readonly elapsedMs: number;
}

export function train(
  options: TrainOptions,
  data: LabelledSet,
  holdout: LabelledSet | null,
  onEpoch?: (report: EpochReport) => void,
): TrainResult {
  const started = performance.now();
  const rng = new Rng(options.seed);
  const arch = {
    sizes: [...options.sizes],
    hidden: options.sizes.slice(2).map(() => options.activation),
    output: 'softmax' as const,
  };
  const mlp = initMlp(arch, rng);
  const adam = new Adam(mlp, { ...ADAM_DEFAULTS, weightDecay: options.weightDecay });
  const average = options.ema > 0 ? new WeightAverage(mlp, options.ema) : null;
  const spec = AUGMENT_LEVELS[options.augment];
  const augmenter = spec ? new Augmenter(spec, rng) : null;
  const grads = createGradients(mlp);

  const d = mlp.inputSize;
  const batchX = new Float32Array(options.batchSize * d);
  const batchY = new Uint8Array(options.batchSize);
  const order = Uint32Array.from({ length: data.count }, (_, i) => i);
  const stepsPerEpoch = Math.ceil(data.count / options.batchSize);
  const schedule = {
    lr: options.lr,
    minLr: options.minLr,
    warmupSteps: Math.round(options.warmupEpochs * stepsPerEpoch),
    totalSteps: options.epochs * stepsPerEpoch,
  };

  const history: EpochReport[] = [];
  let step = 0;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    rng.shuffle(order);
    let lossSum = 0;
    for (let start = 0; start < data.count; start += options.batchSize) {
      const n = Math.min(options.batchSize, data.count - start);
      for (let r = 0; r < n; r++) {
        const row = order[start + r]!;
        if (augmenter) augmenter.apply(data.inputs, row * d, batchX, r * d);
        else batchX.set(data.inputs.subarray(row * d, (row + 1) * d), r * d);
        batchY[r] = data.labels[row]!;
      }
      const loss = lossAndGradients(mlp, batchX.subarray(0, n * d), batchY, n, grads, options.labelSmoothing);
      lossSum += loss * n;
      adam.step(grads, learningRate(step++, schedule));
      average?.update();
    }
    const report: EpochReport = {
      epoch,
      epochs: options.epochs,
      loss: lossSum / data.count,
      heldoutAccuracy: holdout ? evaluate(average?.mlp ?? mlp, holdout).accuracy : null,
      elapsedMs: performance.now() - started,
    };
    history.push(report);
    onEpoch?.(report);
  }
  return { mlp: average?.mlp ?? mlp, history, elapsedMs: performance.now() - started };
}
