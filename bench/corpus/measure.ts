/**
 * Accuracy of preprocessImage (auto) on the corpus, per family, against the same digits read
 * as the original 28x28 files; plus the no-digit verdict on blank pictures of every kind.
 *
 *   nice npx tsx bench/corpus/measure.ts [--n 1000] [--blanks 100] [--seed 1] [--families photo,canvas] [--weights a.pkl,b.safetensors]
 *
 * Without --weights: the book's sample_weight.pkl, and weights/digit-serve-mlp.safetensors when it exists.
 */
import { parseArgs } from 'node:util';
import { loadMnistSplit } from '../../src/data/idx.js';
import { loadWeights } from '../../src/model/weights/load.js';
import { sharedPath } from '../../test/support/shared-data.js';
import { correctCounts, corpusWeightFiles, originalsBatch, scoreBlanks, scoreFamily } from './corpus.js';
import { selectedFamilies } from './families.js';
import { sampleIndices } from './rng.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    blanks: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    families: { type: 'string' },
    weights: { type: 'string' },
  },
});
const n = Number(values.n);
const blanks = Number(values.blanks);
const seed = Number(values.seed);
const families = selectedFamilies(values.families);
const weightFiles = corpusWeightFiles(values.weights);

const models = await Promise.all(weightFiles.map(loadWeights));
const set = await loadMnistSplit(sharedPath('mnist'), 't10k');
const indices = sampleIndices(set.count, n, seed);
const labels = indices.map((i) => set.labels[i]!);
const original = correctCounts(models, originalsBatch(set, indices), labels);

const pct = (k: number, of: number) => ((100 * k) / of).toFixed(1);
const names = models.map((m) => m.info.name);
console.log(`seed ${seed}, ${n} test digits per family (the same digits in each), ${blanks} blanks per kind`);
console.log(`weights: ${weightFiles.join(', ')}\n`);
console.log(
  `| family | ${names.map((m) => `${m}: % (original 28x28 %, diff)`).join(' | ')} | false no digit | plain | blanks flagged | min digit / max blank contrast | ms/image |`,
);
console.log(`| --- | ${names.map(() => '---').join(' | ')} | --- | --- | --- | --- | --- |`);
for (const family of families) {
  const b = await scoreBlanks(family, blanks, seed);
  const flagged = `${b.flagged}/${blanks}`;
  if (family.blankOnly) {
    console.log(
      `| ${family.name} (blank only) | ${names.map(() => '').join(' | ')} | | | ${flagged} | - / ${b.maxContrast.toFixed(0)} | |`,
    );
    continue;
  }
  const s = await scoreFamily(family, set, indices, seed, models);
  const cells = s.correct.map((c, m) => `${pct(c, n)} (${pct(original[m]!, n)}, ${(((c - original[m]!) * 100) / n).toFixed(1)})`);
  const contrasts = `${s.minContrast.toFixed(0)} / ${b.maxContrast.toFixed(0)}`;
  console.log(
    `| ${family.name} | ${cells.join(' | ')} | ${s.noDigit}/${n} | ${s.plain}/${n} | ${flagged} | ${contrasts} | ${s.msPerImage.toFixed(2)} |`,
  );
}
