/** Labelled sets the service can evaluate itself on. */
import { z } from 'zod';
import { loadMnistSplit } from '../data/idx.js';
import { pixelsToTensor } from '../preprocess/tensor.js';

export const DatasetInfo = z.object({
  name: z.string().describe('short name, e.g. mnist-t10k'),
  size: z.number().int().describe('number of labelled images'),
  description: z.string(),
  source: z.string().describe('where the images came from (folder or package)'),
});
export type DatasetInfo = z.infer<typeof DatasetInfo>;

export interface LabelledSet {
  readonly info: DatasetInfo;
  /** (size, 784) float32 pixel / 255 */
  readonly inputs: Float32Array;
  readonly labels: Uint8Array;
}

/** The official MNIST test set (t10k) from a folder of IDX files. */
export async function loadMnistTestSet(dir: string): Promise<LabelledSet> {
  const split = await loadMnistSplit(dir, 't10k');
  return {
    info: {
      name: 'mnist-t10k',
      size: split.count,
      description: 'official MNIST test set',
      source: dir,
    },
    inputs: pixelsToTensor(split.images),
    labels: split.labels,
  };
}
