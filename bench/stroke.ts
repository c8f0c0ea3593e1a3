/**
 * The strokes' erosion and dilation into MNIST's band (src/preprocess/stroke.ts,
 * normaliseStrokeWidth; the kernel in assembly/morph.ts) on the bench's photos and the corpus'
 * pictures (bench/corpus): per set, how many digits' crops are eroded, dilated or left alone,
 * and the time of normaliseStrokeWidth per crop, on average over the set.
 *
 *   npm run bench:stroke -- [--n 10]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SHARED_DATA } from './lib/scenarios.js';
import { photoJpeg } from './lib/pictures.js';
import { loadMnistSplit } from '../src/data/idx.js';
import { renderDigit, CORPUS_LIMITS } from './corpus/corpus.js';
import { FAMILIES } from './corpus/families.js';
import { decodeImage } from '../src/preprocess/decode.js';
import { croppedInk, findInk } from '../src/preprocess/ink.js';
import { normaliseStrokeWidth } from '../src/preprocess/stroke.js';
import { scratchFrame } from '../src/slab.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '10' } } });
const n = Number(values.n);
const test = await loadMnistSplit(join(SHARED_DATA, 'mnist'), 't10k');
const digit = (i: number) => test.images.subarray(i * 784, (i + 1) * 784);
const sets: [string, Uint8Array[]][] = [
  ['bench:compare photos', await Promise.all(Array.from({ length: 16 }, (_, i) => photoJpeg(digit(i))))],
];
for (const family of FAMILIES)
  sets.push([family.name, await Promise.all(Array.from({ length: n }, (_, i) => renderDigit(family, test, i, 1)))]);

/** microseconds per call, in a scratch frame as the service calls it, after a warm-up */
function time(f: () => unknown): number {
  for (let k = 0; k < 200; k++) scratchFrame(f);
  const start = process.hrtime.bigint();
  for (let k = 0; k < 2000; k++) scratchFrame(f);
  return Number(process.hrtime.bigint() - start) / 2000 / 1000;
}

console.log('| pictures | crops | eroded | dilated | normaliseStrokeWidth, µs per crop |');
console.log('| --- | --- | --- | --- | --- |');
for (const [name, files] of sets) {
  const row = { crops: 0, eroded: 0, dilated: 0, us: 0 };
  for (const bytes of files) {
    const crop = croppedInk(findInk(await decodeImage(bytes, CORPUS_LIMITS)));
    if (!crop?.box) continue;
    const out = normaliseStrokeWidth(crop.ink, crop.box);
    row.crops++;
    if (out.ink.width > crop.ink.width) row.dilated++;
    else if (out.ink !== crop.ink) row.eroded++;
    row.us += time(() => normaliseStrokeWidth(crop.ink, crop.box!));
  }
  if (row.crops) console.log(`| ${name} | ${row.crops} | ${row.eroded} | ${row.dilated} | ${(row.us / row.crops).toFixed(1)} |`);
}
