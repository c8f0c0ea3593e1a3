/**
 * Served accuracy on the corpus: the real server (src/server.ts, one worker, its own process,
 * a real port) started once per weights file; every picture sent alone to POST /predict and
 * again in multipart batches to POST /predict/batch; per family, the accuracy of each against
 * the same digits read as the original 28x28 files, and the verdict on blank pictures.
 *
 *   nice npx tsx bench/corpus/serve-measure.ts [--n 1000] [--blanks 100] [--seed 1] [--batch 64] [--families photo,canvas] [--weights a.pkl,b.safetensors]
 *
 * Without --weights: the book's sample_weight.pkl and weights/digit-serve-mlp.safetensors (when it exists).
 * The same seed and --n score the same digits as measure.ts (in process).
 */
import { parseArgs } from 'node:util';
import { loadMnistSplit } from '../../src/data/idx.js';
import { loadWeights } from '../../src/model/weights/load.js';
import { sharedPath } from '../../test/support/shared-data.js';
import { startChildServer } from '../lib/child-server.js';
import { correctCounts, corpusWeightFiles, mapLimit, originalsBatch, renderBlank, renderDigit } from './corpus.js';
import { selectedFamilies } from './families.js';
import { sampleIndices } from './rng.js';
import { countCorrect, countNoDigit, predictBatches, predictEach, type ServedAnswer } from './served.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    blanks: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    batch: { type: 'string', default: '64' },
    families: { type: 'string' },
    weights: { type: 'string' },
  },
});
const n = Number(values.n);
const blanks = Number(values.blanks);
const seed = Number(values.seed);
const batchSize = Number(values.batch);
const families = selectedFamilies(values.families);
const weightFiles = corpusWeightFiles(values.weights);

const models = await Promise.all(weightFiles.map(loadWeights));
const services = await Promise.all(weightFiles.map((weights) => startChildServer({ WORKERS: '1', WEIGHTS: weights })));
process.on('exit', () => services.forEach((s) => s.process.kill()));

const set = await loadMnistSplit(sharedPath('mnist'), 't10k');
const indices = sampleIndices(set.count, n, seed);
const labels = indices.map((i) => set.labels[i]!);
const original = correctCounts(models, originalsBatch(set, indices), labels);

const pct = (k: number, of: number) => ((100 * k) / of).toFixed(1);
const signed = (x: number) => `${x > 0 ? '+' : ''}${x.toFixed(1)}`;
const cell = (correct: number, m: number) => `${pct(correct, n)} (${signed(((correct - original[m]!) * 100) / n)})`;
const names = models.map((m) => m.info.name);
const sameAnswers = (a: readonly ServedAnswer[], b: readonly ServedAnswer[]) =>
  a.every((x, i) => JSON.stringify(x) === JSON.stringify(b[i]));

console.log(`seed ${seed}, ${n} test digits per family (the same digits in each), ${blanks} blanks per kind, batches of ${batchSize}`);
console.log(`original 28x28 files: ${names.map((name, m) => `${name} ${pct(original[m]!, n)} %`).join(', ')}\n`);
console.log(
  `| family | ${names.map((m) => `${m} /predict (diff) | ${m} /predict/batch (diff)`).join(' | ')} | digits answered no_digit | blanks answered no_digit | batch = one by one |`,
);
console.log(`| --- | ${names.map(() => '--- | ---').join(' | ')} | --- | --- | --- |`);
for (const family of families) {
  const blankFiles = await mapLimit(
    Array.from({ length: blanks }, (_, j) => j),
    4,
    (j) => renderBlank(family, j, seed),
  );
  const digitFiles = family.blankOnly ? [] : await mapLimit(indices, 4, (index) => renderDigit(family, set, index, seed));
  const cells: string[] = [];
  let falseNoDigit = 0;
  let flagged = 0;
  let identical = true;
  for (const [m, { url }] of services.entries()) {
    const blankEach = await predictEach(url, blankFiles, family.ext);
    const blankBatch = await predictBatches(url, blankFiles, family.ext, batchSize);
    flagged += countNoDigit(blankEach) + countNoDigit(blankBatch);
    identical &&= sameAnswers(blankEach, blankBatch);
    if (family.blankOnly) continue;
    const each = await predictEach(url, digitFiles, family.ext);
    const batched = await predictBatches(url, digitFiles, family.ext, batchSize);
    cells.push(cell(countCorrect(each, labels), m), cell(countCorrect(batched, labels), m));
    falseNoDigit += countNoDigit(each) + countNoDigit(batched);
    identical &&= sameAnswers(each, batched);
  }
  const answers = 2 * services.length;
  const digitsCell = family.blankOnly ? '' : `${falseNoDigit}/${answers * n}`;
  const label = family.blankOnly ? `${family.name} (blank only)` : family.name;
  const accuracy = family.blankOnly ? names.map(() => ' | ').join(' | ') : cells.join(' | ');
  console.log(`| ${label} | ${accuracy} | ${digitsCell} | ${flagged}/${answers * blanks} | ${identical ? 'yes' : 'NO'} |`);
}
await Promise.all(services.map((s) => s.stop()));
