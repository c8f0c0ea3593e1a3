/** Labelled sets the service can evaluate itself on. */
import { basename } from 'node:path';
import { z } from 'zod';
import { loadMnistSplit, readIdxFile } from '../data/idx.js';
import { holdoutFiles } from '../data/holdout-files.js';
import { HoldoutSpec } from '../data/holdout-spec.js';
import { fromPixels, type LabelledSet } from '../data/labelled-set.js';

export const DatasetInfo = z.object({
  name: z.string().describe('short name, e.g. mnist-t10k'),
  size: z.number().int().describe('number of labelled images'),
  description: z.string(),
  source: z.string().describe("the files the images came from, by name (never the server's paths)"),
});
export type DatasetInfo = z.infer<typeof DatasetInfo>;

/** A labelled set /eval scores, and what it is. */
export interface EvalSet extends LabelledSet {
  readonly info: DatasetInfo;
}

/** The official MNIST test set (t10k) from a folder of IDX files. */
export function loadMnistTestSet(dir: string): Promise<EvalSet> {
  return loadTestSet(dir, { name: 'mnist-t10k', description: 'official MNIST test set' });
}

/** A test set laid out as MNIST's (t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]) in a folder. */
export async function loadTestSet(dir: string, what: { readonly name: string; readonly description: string }): Promise<EvalSet> {
  const split = await loadMnistSplit(dir, 't10k');
  return {
    info: {
      ...what,
      size: split.count,
      source: `${basename(split.files.images)}, ${basename(split.files.labels)}`,
    },
    ...fromPixels(split.images, split.labels),
  };
}

/**
 * The labelled set that ships with the weights: the training digits the trainer held out (the
 * weights never saw them), as recorded in the file's `holdout` metadata. So /eval answers out
 * of the box, without the official test set.
 */
export async function loadEmbeddedHoldout(weightsFile: string, holdoutMetadata: string): Promise<EvalSet> {
  const spec = HoldoutSpec.parse(JSON.parse(holdoutMetadata));
  const files = holdoutFiles(weightsFile);
  const [images, labels] = await Promise.all([readIdxFile(files.images), readIdxFile(files.labels)]);
  const count = labels.dims[0];
  if (count !== spec.count || images.dims[0] !== count || images.data.length !== count * 784) {
    throw new Error(
      `${basename(files.images)}: holds ${images.dims[0]} images and ${count} labels; the weights record ${spec.count} held-out digits`,
    );
  }
  return {
    info: {
      name: 'holdout',
      size: count,
      description: `the ${count} ${spec.source} training digits held out by the trainer (${spec.perClass} per class, seed ${spec.seed}); the weights never saw them`,
      source: `${basename(files.images)}, ${basename(files.labels)}`,
    },
    ...fromPixels(images.data, labels.data),
  };
}
