/**
 * String accuracy of segmentLine + the shipped weights on the numbers corpus, per family:
 * `npx tsx bench/numbers/measure-segments.ts [perFamily] [seed]`.
 */
import { NUMBER_FAMILIES } from './families.js';
import { readableSource, renderNumber } from './numbers.js';
import { scoreReads, type ReadAnswer } from './score.js';
import { loadTestSet } from '../../test/support/mnist.js';
import { loadShippedModels, readPicture, LIMITS } from '../../test/read/read-picture.js';

const perFamily = Number(process.argv[2] ?? 100);
const seed = Number(process.argv[3] ?? 1);
const only = process.argv[4];
const [set, { model, models }] = await Promise.all([loadTestSet(), loadShippedModels()]);
const source = readableSource(set, model);
const truths = [];
const answers: ReadAnswer[] = [];
const started = performance.now();
for (const family of NUMBER_FAMILIES.filter((f) => !only || f.name === only)) {
  for (let i = 0; i < perFamily; i++) {
    const { bytes, truth } = await renderNumber(family, source, i, seed);
    const text = await readPicture(bytes, models, LIMITS);
    truths.push(truth);
    answers.push(text === '' ? { code: 'no_digit' } : { text });
    if (process.env.VERBOSE && text !== truth.text) console.log(family.name, i, truth.medium, truth.text, '->', text);
  }
}
for (const s of scoreReads(truths, answers)) {
  console.log(
    `${s.family.padEnd(12)} string ${s.stringAccuracy.toFixed(3)} count ${s.countAccuracy.toFixed(3)} digits ${s.digitAccuracy?.toFixed(3) ?? '-'} (${s.pictures})`,
  );
}
console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);
