/**
 * Whether a change to the preprocessing kept every output to the bit: sha256, per stage, over a
 * fixed set of pictures (12 digits of every corpus family, 16 of the speed benches' photos,
 * 16 MNIST PNGs, 24 JPEGs of assorted sizes, qualities and chroma subsampling): the JPEG
 * reader's levels at all four scales, both pipelines' results in the `auto` and `mnist` modes,
 * and sharp's decode's ink plane, crop and 28x28 levels. Run it before a speed change with
 * `--save`, after it with `--expect`: a stage whose hash moved is named and the exit code is 1.
 *
 *   npm run bench:exactness -- [--save before.json] [--expect before.json]
 *
 * Needs the shared data (MNIST t10k).
 */
import { createHash, type Hash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadMnistSplit } from '../src/data/idx.js';
import { decodeImage, DEFAULT_ALLOWED_FORMATS } from '../src/preprocess/decode.js';
import { preprocessSmallImage, preprocessWithSharp, type Preprocessed } from '../src/preprocess/index.js';
import { croppedInk, findInk } from '../src/preprocess/ink.js';
import { decodeJpegGrey } from '../src/preprocess/jpeg.js';
import { mnistPixels } from '../src/preprocess/normalise.js';
import { digitPng } from '../test/support/mnist.js';
import { sharedPath } from '../test/support/shared-data.js';
import { renderDigit } from './corpus/corpus.js';
import { FAMILIES } from './corpus/families.js';
import { photoJpeg } from './lib/pictures.js';

const { values } = parseArgs({ options: { save: { type: 'string' }, expect: { type: 'string' } } });

const set = await loadMnistSplit(sharedPath('mnist'), 't10k');
const limits = { allowedFormats: DEFAULT_ALLOWED_FORMATS, maxInputPixels: 25_000_000 };

/** A JPEG of a w x h pattern with edges and texture, grey or colour. */
function patternJpeg(i: number): Promise<Buffer> {
  const width = 40 + i * 23;
  const height = 30 + ((i * 37) % 300);
  const raw = Buffer.alloc(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const x = p % width;
    const y = Math.floor(p / width);
    raw[3 * p] = (x * 7 + y * 3 + ((x * y) % 31)) & 255;
    raw[3 * p + 1] = (x ^ y) & 255;
    raw[3 * p + 2] = ((x * x + y) >> 2) & 255;
  }
  const image = sharp(raw, { raw: { width, height, channels: 3 } });
  return (i % 3 === 0 ? image.greyscale() : image)
    .jpeg({ quality: 30 + ((i * 17) % 70), chromaSubsampling: i % 2 ? '4:2:0' : '4:4:4' })
    .toBuffer();
}

const pictures: Buffer[] = [];
for (const family of FAMILIES.filter((f) => !f.blankOnly))
  for (let i = 0; i < 12; i++) pictures.push(await renderDigit(family, set, i * 7, 3));
for (let i = 0; i < 16; i++) pictures.push(await photoJpeg(set.images.subarray(i * 784, (i + 1) * 784)));
for (let i = 0; i < 16; i++) pictures.push(await digitPng(set, i * 13));
for (let i = 0; i < 24; i++) pictures.push(await patternJpeg(i));

const stages = new Map<string, Hash>();
function put(stage: string, data: ArrayBufferView | string): void {
  if (!stages.has(stage)) stages.set(stage, createHash('sha256'));
  stages.get(stage)!.update(typeof data === 'string' ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}
function putResult(stage: string, result: Preprocessed): void {
  put(stage, result.tensor);
  put(stage, JSON.stringify({ ...result, tensor: null }));
}

for (const picture of pictures) {
  const bytes = new Uint8Array(picture);
  for (const scale of [1, 2, 4, 8] as const) {
    const levels = decodeJpegGrey(bytes, limits.maxInputPixels, () => scale);
    if (!levels) continue;
    put('jpeg levels', `${levels.width}x${levels.height}`);
    put('jpeg levels', levels.data);
  }
  for (const mode of ['auto', 'mnist'] as const) {
    const quick = preprocessSmallImage(bytes, { mode, limits });
    if (quick) putResult('on the thread', quick);
    putResult('through sharp', await preprocessWithSharp(bytes, { mode, limits }));
  }
  const found = findInk(await decodeImage(bytes, limits));
  put('ink', found.levels.data);
  put('ink', JSON.stringify({ ...found, levels: null }));
  const crop = croppedInk(found);
  if (crop) {
    // as bytes whatever the array's type: the crop was floats once
    put('crop', Uint8Array.from(crop.ink.data));
    put('crop', JSON.stringify(crop.box));
  }
  put('28x28 levels', mnistPixels(found));
}

const hashes = Object.fromEntries([...stages].map(([stage, hash]) => [stage, hash.digest('hex')]));
console.log(`${pictures.length} pictures`);
for (const [stage, hash] of Object.entries(hashes)) console.log(`${stage.padEnd(14)} ${hash}`);
if (values.save) writeFileSync(values.save, `${JSON.stringify(hashes, null, 2)}\n`);
if (values.expect) {
  const expected = JSON.parse(readFileSync(values.expect, 'utf8')) as Record<string, string>;
  const moved = Object.keys({ ...expected, ...hashes }).filter((stage) => expected[stage] !== hashes[stage]);
  console.log(moved.length ? `moved: ${moved.join(', ')}` : `every stage as in ${values.expect}`);
  process.exitCode = moved.length ? 1 : 0;
}
