/**
 * The speed benches' loads: /predict with a 28x28 PNG, /predict with a 280x280 photo-like JPEG,
 * /predict/batch with 64 28x28 PNGs, each body written once to a file for wrk.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadMnistSplit } from '../../src/data/idx.js';
import { multipart } from '../../test/hostile/support/http.js';
import { digitPng } from '../../test/support/mnist.js';
import { REPO } from './child-server.js';
import { photoJpeg } from './pictures.js';

/** ../shared/data beside the repository, or DIGIT_SERVE_SHARED_DATA. */
export const SHARED_DATA = process.env.DIGIT_SERVE_SHARED_DATA ?? resolve(REPO, '../shared/data');

export interface Scenario {
  readonly name: 'png' | 'jpeg' | 'batch';
  readonly path: string;
  readonly bodyFile: string;
  readonly contentType: string;
  readonly imagesPerRequest: number;
}

/** `files` as the repeated multipart file field `field`, as a client uploads them. */
const upload = (field: string, files: Buffer[], contentType: string, ext: string) =>
  multipart(files.map((data, i) => ({ name: field, filename: `${i}.${ext}`, contentType, data })));

/** The scenarios named in `names` (a comma-separated list), their bodies written into `dir`. */
export async function scenarios(names: string, dir: string): Promise<Scenario[]> {
  const test = await loadMnistSplit(join(SHARED_DATA, 'mnist'), 't10k');
  const png = (i: number) => digitPng(test, i);
  const write = (name: string, body: Buffer) => {
    const file = join(dir, name);
    writeFileSync(file, body);
    return file;
  };
  const one = upload('image', [await png(0)], 'image/png', 'png');
  const jpeg = upload('image', [await photoJpeg(test.images.subarray(0, 784))], 'image/jpeg', 'jpg');
  const batch = upload('images', await Promise.all(Array.from({ length: 64 }, (_, i) => png(i))), 'image/png', 'png');
  const all: Scenario[] = [
    { name: 'png', path: '/predict', bodyFile: write('png.body', one.body), contentType: one.contentType, imagesPerRequest: 1 },
    { name: 'jpeg', path: '/predict', bodyFile: write('jpeg.body', jpeg.body), contentType: jpeg.contentType, imagesPerRequest: 1 },
    {
      name: 'batch',
      path: '/predict/batch',
      bodyFile: write('batch.body', batch.body),
      contentType: batch.contentType,
      imagesPerRequest: 64,
    },
  ];
  return all.filter((s) => names.split(',').includes(s.name));
}
