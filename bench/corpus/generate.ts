/**
 * Write the corpus to disk, for looking at it or for sending it through a running server:
 *
 *   nice npx tsx bench/corpus/generate.ts [--n 100] [--blanks 10] [--seed 1] [--families photo,canvas] [--out .tmp/corpus]
 *
 * Files: <out>/<family>/<test index>-<label>.<ext>, <out>/<family>/blank-<j>.<ext>, and
 * <out>/manifest.csv (file,label,test_index; blanks have no label). The same seed writes the
 * same bytes; the digits are the ones measure.ts scores for that seed and --n.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadMnistSplit } from '../../src/data/idx.js';
import { sharedPath } from '../../test/support/shared-data.js';
import { mapLimit, renderBlank, renderDigit } from './corpus.js';
import { selectedFamilies } from './families.js';
import { sampleIndices } from './rng.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100' },
    blanks: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    families: { type: 'string' },
    out: { type: 'string', default: '.tmp/corpus' },
  },
});
const seed = Number(values.seed);
const families = selectedFamilies(values.families);
const set = await loadMnistSplit(sharedPath('mnist'), 't10k');
const indices = sampleIndices(set.count, Number(values.n), seed);
const rows: string[] = [];

for (const family of families) {
  const dir = join(values.out, family.name);
  await mkdir(dir, { recursive: true });
  if (!family.blankOnly) {
    await mapLimit(indices, 4, async (index) => {
      const file = join(family.name, `${index}-${set.labels[index]}.${family.ext}`);
      await writeFile(join(values.out, file), await renderDigit(family, set, index, seed));
      rows.push(`${file},${set.labels[index]},${index}`);
    });
  }
  await mapLimit(
    Array.from({ length: Number(values.blanks) }, (_, j) => j),
    4,
    async (j) => {
      const file = join(family.name, `blank-${j}.${family.ext}`);
      await writeFile(join(values.out, file), await renderBlank(family, j, seed));
      rows.push(`${file},,`);
    },
  );
  console.log(`${family.name}: ${family.blankOnly ? 0 : indices.length} digits, ${values.blanks} blanks -> ${dir}`);
}
await writeFile(join(values.out, 'manifest.csv'), `${['file,label,test_index', ...rows.sort()].join('\n')}\n`);
