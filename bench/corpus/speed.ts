/**
 * What the normalisation costs next to the plain pipeline, per picture, one at a time:
 * plainTensor and preprocessImage (auto) on the same files, side by side, with their ratio.
 *
 *   npx tsx bench/corpus/speed.ts [--rounds 200]
 *
 * Pictures: an MNIST file (auto takes plain), and one corpus picture of each family (seed 1,
 * test digit 0). Single-threaded figures: a server runs one such stream per core.
 */
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadMnistSplit } from '../../src/data/idx.js';
import { plainTensor } from '../../src/preprocess/decode.js';
import { preprocessImage } from '../../src/preprocess/index.js';
import { sharedPath } from '../../test/support/shared-data.js';
import { CORPUS_LIMITS, renderDigit } from './corpus.js';
import { FAMILIES } from './families.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '200' } } });
const rounds = Number(values.rounds);
const set = await loadMnistSplit(sharedPath('mnist'), 't10k');

/** Mean milliseconds per call over `rounds` calls, after a tenth as many to warm up. */
async function msPerCall(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.ceil(rounds / 10); i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) await fn();
  return (performance.now() - t0) / rounds;
}

const pictures: [string, Buffer][] = [
  [
    'MNIST 28x28 PNG',
    await sharp(Buffer.from(set.images.subarray(0, 784)), { raw: { width: 28, height: 28, channels: 1 } })
      .png()
      .toBuffer(),
  ],
];
for (const family of FAMILIES.filter((f) => !f.blankOnly)) pictures.push([family.name, await renderDigit(family, set, 0, 1)]);

console.log(`${rounds} rounds each, ms per picture\n`);
console.log('| picture | size | plainTensor | preprocessImage (auto) | ratio |');
console.log('| --- | --- | --- | --- | --- |');
for (const [name, bytes] of pictures) {
  // the size as displayed, after the EXIF orientation
  const { width, height } = (await sharp(bytes).metadata()).autoOrient;
  const plain = await msPerCall(() => plainTensor(bytes, CORPUS_LIMITS));
  const auto = await msPerCall(() => preprocessImage(bytes, { mode: 'auto', limits: CORPUS_LIMITS }));
  console.log(`| ${name} | ${width}x${height} | ${plain.toFixed(2)} | ${auto.toFixed(2)} | ${(auto / plain).toFixed(2)} |`);
}
