/**
 * The coverage pass's fast path (src/preprocess/coverage.ts, thresholdedCoverage) against the
 * interpolating path it stands in for, on the corpus' pictures (bench/corpus): per family, how
 * many digits' crops are read at one sample per pixel (SUPERSAMPLE_SIDE pixels or more: the
 * fast path's case) and the time of each path on those crops, the same crop timed both ways.
 *
 *   npm run bench:coverage -- [--n 20]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SHARED_DATA } from './lib/scenarios.js';
import { loadMnistSplit } from '../src/data/idx.js';
import { renderDigit, CORPUS_LIMITS } from './corpus/corpus.js';
import { FAMILIES } from './corpus/families.js';
import { decodeImage } from '../src/preprocess/decode.js';
import { findInk } from '../src/preprocess/ink.js';
import { supersampledCoverage, thresholdedCoverage, SUPERSAMPLE_SIDE } from '../src/preprocess/coverage.js';
const { values } = parseArgs({ options: { n: { type: 'string', default: '20' } } });
const test = await loadMnistSplit(join(SHARED_DATA, 'mnist'), 't10k');
const per: Record<string, { n: number; big: number; fast: number; general: number }> = {};
for (const family of FAMILIES) {
  const row = (per[family.name] = { n: 0, big: 0, fast: 0, general: 0 });
  for (let i = 0; i < Number(values.n); i++) {
    const bytes = await renderDigit(family, test, i, 1);
    const found = findInk(await decodeImage(bytes, CORPUS_LIMITS));
    row.n++;
    if (!found.box) continue;
    const side = Math.max(found.box.x1 - found.box.x0, found.box.y1 - found.box.y0) + 1;
    if (side < SUPERSAMPLE_SIDE) continue;
    row.big++;
    // microseconds per call, after a warm-up
    const time = (f: () => unknown) => {
      for (let k = 0; k < 200; k++) f();
      const t = process.hrtime.bigint();
      for (let k = 0; k < 2000; k++) f();
      return Number(process.hrtime.bigint() - t) / 2000 / 1000;
    };
    row.fast += time(() => thresholdedCoverage(found.levels, found.box!, found.threshold));
    row.general += time(() => supersampledCoverage(found.levels, found.box!, found.threshold, 1));
  }
}
for (const [name, r] of Object.entries(per))
  console.log(
    name.padEnd(22),
    `${r.big}/${r.n} crops at 1 sample per pixel`,
    r.big ? `fast ${(r.fast / r.big).toFixed(1)} µs, interpolating ${(r.general / r.big).toFixed(1)} µs` : '',
  );
