/**
 * The held-out digits shipped beside a weights file, as MNIST IDX files, so /eval has a
 * labelled set the weights never saw without the official test set and without the 41 MB
 * `mnist` package at run time: `<stem>.holdout-images-idx3-ubyte.gz`, `<stem>.holdout-labels-idx1-ubyte.gz`.
 */
import { basename, dirname, extname, join } from 'node:path';

export function holdoutFiles(weightsFile: string): { images: string; labels: string } {
  const stem = join(dirname(weightsFile), basename(weightsFile, extname(weightsFile)));
  return { images: `${stem}.holdout-images-idx3-ubyte.gz`, labels: `${stem}.holdout-labels-idx1-ubyte.gz` };
}
