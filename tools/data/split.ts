/**
 * The held-out split: a seeded, class-stratified choice of training digits that the trainer
 * never learns from, used to pick hyperparameters and reported by /eval. The weights file
 * records the spec below, from which `loadHoldout` rebuilds exactly the same digits.
 */
import { createHash } from 'node:crypto';
import { subset, type LabelledSet } from '../../src/data/labelled-set.js';
import { Rng } from '../train/rng.js';
import { loadTrainingData } from '../train/sources.js';
import { HOLDOUT_RULE, HoldoutSpec } from '../../src/data/holdout-spec.js';

export interface Split {
  /** ascending row indices */
  readonly train: Uint32Array;
  /** ascending row indices */
  readonly holdout: Uint32Array;
}

export function stratifiedSplit(labels: Uint8Array, perClass: number, seed: number): Split {
  const rng = new Rng(seed);
  const classes = Math.max(-1, ...labels) + 1;
  const held = new Uint8Array(labels.length);
  for (let c = 0; c < classes; c++) {
    const rows = Uint32Array.from(labels.keys()).filter((i) => labels[i] === c);
    if (rows.length < perClass) throw new RangeError(`class ${c} has ${rows.length} digits, cannot hold out ${perClass}`);
    rng.shuffle(rows);
    for (const row of rows.subarray(0, perClass)) held[row] = 1;
  }
  const all = Uint32Array.from(labels.keys());
  return { train: all.filter((i) => held[i] === 0), holdout: all.filter((i) => held[i] === 1) };
}

export function holdoutSpec(source: HoldoutSpec['source'], split: Split, perClass: number, seed: number): HoldoutSpec {
  return { source, rule: HOLDOUT_RULE, perClass, seed, count: split.holdout.length, indicesSha256: indicesDigest(split.holdout) };
}

function indicesDigest(indices: Uint32Array): string {
  return createHash('sha256').update(indices.join(',')).digest('hex');
}

/**
 * The held-out digits named by a weights file's `holdout` metadata (a JSON string or the parsed
 * spec). A spec of source `mnist-idx` needs the folder of the training IDX files.
 */
export async function loadHoldout(metadata: string | HoldoutSpec, options: { trainDir?: string } = {}): Promise<LabelledSet> {
  const spec = HoldoutSpec.parse(typeof metadata === 'string' ? JSON.parse(metadata) : metadata);
  if (spec.source === 'mnist-idx' && options.trainDir === undefined) {
    throw new Error('the held-out split was drawn from MNIST IDX training files: pass their folder as trainDir');
  }
  const data = await loadTrainingData(spec.source === 'mnist-idx' ? options.trainDir : undefined);
  const split = stratifiedSplit(data.labels, spec.perClass, spec.seed);
  if (split.holdout.length !== spec.count || indicesDigest(split.holdout) !== spec.indicesSha256) {
    throw new Error(`the rebuilt held-out split does not match the recorded one (${spec.source}, seed ${spec.seed}): different data?`);
  }
  return subset(data, split.holdout);
}
