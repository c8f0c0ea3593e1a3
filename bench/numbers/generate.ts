/**
 * Write the numbers corpus to disk and print its ceiling:
 *
 *   nice npm run bench:numbers -- [--n 100] [--seed 1] [--families spaced,boxes] [--out .tmp/numbers] [--columns 6]
 *     [--weights weights/digit-serve-mlp.safetensors] [--ceiling-weights a.pkl,b.safetensors]
 *
 * Files: <out>/<family>/<index>.<jpg|png>, <out>/truth.json (every picture's truth, with the
 * seed and the weights that chose the digits) and <out>/contact-sheet.png (the first --columns
 * pictures of each family, truth boxes outlined). The digits are drawn from the test digits
 * that --weights reads right on their original pixels, so the corpus is the same for the same
 * seed and weights file. The ceiling is printed for --weights and for each --ceiling-weights
 * (by default the book's weights, when ../shared holds them).
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_WEIGHTS } from '../../src/config.js';
import { loadMnistSplit } from '../../src/data/idx.js';
import { loadWeights } from '../../src/model/weights/load.js';
import { sharedPath } from '../../test/support/shared-data.js';
import { mapLimit } from '../corpus/corpus.js';
import { selectedNumberFamilies } from './families.js';
import { ceiling, readableSource, renderNumber, type FamilyCeiling, type NumberPicture } from './numbers.js';
import { contactSheet } from './sheet.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    families: { type: 'string' },
    out: { type: 'string', default: '.tmp/numbers' },
    columns: { type: 'string', default: '6' },
    weights: { type: 'string', default: DEFAULT_WEIGHTS },
    'ceiling-weights': { type: 'string' },
  },
});
const n = Number(values.n);
const seed = Number(values.seed);
const families = selectedNumberFamilies(values.families);
const bookWeights = sharedPath('dlfs/sample_weight.pkl');
const ceilingFiles = values['ceiling-weights']?.split(',') ?? (existsSync(bookWeights) ? [bookWeights] : []);

const set = await loadMnistSplit(sharedPath('mnist'), 't10k');
const poolModel = await loadWeights(values.weights);
const others = await Promise.all(ceilingFiles.map(loadWeights));
const source = readableSource(set, poolModel);

const rows: NumberPicture[][] = [];
for (const family of families) {
  await mkdir(join(values.out, family.name), { recursive: true });
  const pictures = await mapLimit(
    Array.from({ length: n }, (_, i) => i),
    4,
    async (i) => {
      const picture = await renderNumber(family, source, i, seed);
      await writeFile(join(values.out, family.name, `${i}.${picture.truth.ext}`), picture.bytes);
      return picture;
    },
  );
  rows.push(pictures);
  console.log(`${family.name}: ${n} pictures -> ${join(values.out, family.name)}`);
}
const truths = rows.flat().map((p) => ({ file: join(p.truth.family, `${p.truth.index}.${p.truth.ext}`), ...p.truth }));
const provenance = { seed, weights: { file: values.weights, sha256: poolModel.info.sha256 } };
await writeFile(join(values.out, 'truth.json'), `${JSON.stringify({ ...provenance, pictures: truths }, null, 1)}\n`);
await writeFile(join(values.out, 'contact-sheet.png'), await contactSheet(rows.map((r) => r.slice(0, Number(values.columns)))));

const models = [poolModel, ...others];
const ceilings = models.map((m) => ceiling(truths, set, m));
console.log(`\nseed ${seed}, ${n} pictures per family; digits chosen with ${values.weights}`);
console.log('ceiling: pictures whose every source digit the model reads right on the original 28x28 pixels\n');
console.log(`| family | digits per picture | /read target | ${models.map((m) => `ceiling, ${m.info.name}`).join(' | ')} |`);
console.log(`| --- | --- | --- | ${models.map(() => '---').join(' | ')} |`);
families.forEach((family, f) => {
  const digits = rows[f]!.reduce((k, p) => k + p.truth.digits.length, 0) / n;
  const fraction = (c: FamilyCeiling[]) => {
    const mine = c.find((x) => x.family === family.name)!;
    return (mine.readable / mine.pictures).toFixed(3);
  };
  const cells = ceilings.map((c) => (family.blank ? '-' : fraction(c)));
  const target = family.blank ? 'all no_digit' : family.target.toFixed(2);
  console.log(`| ${family.name} | ${digits.toFixed(1)} | ${target} | ${cells.join(' | ')} |`);
});
