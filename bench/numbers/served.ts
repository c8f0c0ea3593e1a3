/**
 * The numbers corpus through a real server: the service (src/server.ts, one worker, its own
 * process, a real port, the shipped weights unless --weights) reads every picture of each
 * family with POST /read, and /predict answers the same picture, for its digit count and warning.
 * Per family: the /read score (score.ts) next to the ceiling and the target, and how
 * often /predict counted the digits right and warned about a number.
 *
 *   nice npm run bench:numbers:served -- [--n 100] [--seed 1] [--families spaced,boxes] [--concurrency 4]
 *     [--weights weights/digit-serve-mlp.safetensors] [--misreads 0] [--json out.json]
 *
 * The digits are chosen with --weights as `npm run bench:numbers` chooses them, so the same seed
 * and weights give the same pictures as its files. --misreads k lists the first k misread
 * pictures of each family (family/index as the generator names its files).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DEFAULT_WEIGHTS } from '../../src/config.js';
import { loadMnistSplit } from '../../src/data/idx.js';
import { loadWeights } from '../../src/model/weights/load.js';
import { sharedPath } from '../../test/support/shared-data.js';
import { mapLimit } from '../corpus/corpus.js';
import { startChildServer } from '../lib/child-server.js';
import { selectedNumberFamilies, type NumberFamily } from './families.js';
import { ceiling, readableSource, renderNumber, type DigitSource, type NumberTruth } from './numbers.js';
import { predictEach, readEach, showAnswer, warnedSeveral, type PredictAnswer } from './read-client.js';
import { scoreReads, type ReadAnswer, type ReadScore } from './score.js';

/** How far under its ceiling a family's string accuracy may be (issue 18). */
const CEILING_SLACK = 0.06;
/** a share like 88/100 against a decimal like 0.88 or 1 - 0.06: a tie counts as reached, whatever the rounding */
const TIE = 1e-9;

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    families: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    weights: { type: 'string', default: DEFAULT_WEIGHTS },
    misreads: { type: 'string', default: '0' },
    json: { type: 'string' },
  },
});
const n = Number(values.n);
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);
const families = selectedNumberFamilies(values.families);

interface Served {
  readonly truth: NumberTruth;
  readonly read: ReadAnswer;
  readonly predicted: PredictAnswer;
}

interface FamilyReport extends ReadScore {
  readonly ceiling: number;
  readonly target: number;
  readonly withinCeiling: boolean;
  readonly meetsTarget: boolean;
  /** /predict answered the truth's digit count (a blank picture: no_digit) */
  readonly predictCountRight: number;
  /** /predict answered digitsFound > 1 with a warning: right on a number, wrong on a blank picture */
  readonly predictWarned: number;
}

/** Render the family's first `n` pictures and send each to /read and to /predict. */
async function serveFamily(url: string, family: NumberFamily, source: DigitSource): Promise<Served[]> {
  const pictures = await mapLimit(
    Array.from({ length: n }, (_, i) => i),
    4,
    (i) => renderNumber(family, source, i, seed),
  );
  const uploads = pictures.map((p) => ({ bytes: p.bytes, ext: p.truth.ext }));
  const reads = await readEach(url, uploads, concurrency);
  const predicted = await predictEach(url, uploads, concurrency);
  return pictures.map((p, i) => ({ truth: p.truth, read: reads[i]!, predicted: predicted[i]! }));
}

function countRight(answer: PredictAnswer, digits: number): boolean {
  return 'code' in answer ? digits === 0 && answer.code === 'no_digit' : answer.digitsFound === digits;
}

function report(family: NumberFamily, score: ReadScore, ceilingShare: number, served: readonly Served[]): FamilyReport {
  const share = (test: (s: Served) => boolean) => served.filter(test).length / served.length;
  return {
    ...score,
    ceiling: ceilingShare,
    target: family.target,
    withinCeiling: score.stringAccuracy >= ceilingShare - CEILING_SLACK - TIE,
    meetsTarget: score.stringAccuracy >= family.target - TIE,
    predictCountRight: share((s) => countRight(s.predicted, s.truth.digits.length)),
    predictWarned: share((s) => warnedSeveral(s.predicted)),
  };
}

const yesNo = (b: boolean) => (b ? 'yes' : 'NO');

function printTable(rows: readonly FamilyReport[], blank: ReadonlySet<string>): void {
  console.log(
    '| family | pictures | string | count | digits | no_digit | ceiling | target | within 6 pts of ceiling | meets target | /predict digitsFound right | /predict warned |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const isBlank = blank.has(r.family);
    const cells = [
      r.family,
      String(r.pictures),
      r.stringAccuracy.toFixed(3),
      isBlank ? '' : r.countAccuracy.toFixed(3),
      r.digitAccuracy?.toFixed(3) ?? '',
      r.noDigitRate.toFixed(3),
      r.ceiling.toFixed(3),
      isBlank ? 'all no_digit' : r.target.toFixed(2),
      yesNo(r.withinCeiling),
      yesNo(r.meetsTarget),
      r.predictCountRight.toFixed(3),
      `${r.predictWarned.toFixed(3)}${isBlank ? ' (wrongly)' : ''}`,
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
}

function printMisreads(served: readonly Served[], perFamily: number): void {
  const misread = served.filter(
    (s) => !('text' in s.read ? s.read.text === s.truth.text : s.truth.text === '' && s.read.code === 'no_digit'),
  );
  const shown = new Map<string, number>();
  for (const { truth, read } of misread) {
    const k = shown.get(truth.family) ?? 0;
    if (k >= perFamily) continue;
    shown.set(truth.family, k + 1);
    console.log(`  ${truth.family}/${truth.index}.${truth.ext} (${truth.medium}): ${JSON.stringify(truth.text)} read ${showAnswer(read)}`);
  }
}

const started = performance.now();
const [set, model] = await Promise.all([loadMnistSplit(sharedPath('mnist'), 't10k'), loadWeights(values.weights)]);
const source = readableSource(set, model);
// no load shedding: every picture must be answered, or the score is of the shedding
const server = await startChildServer({ WORKERS: '1', WEIGHTS: values.weights, MAX_EVENT_LOOP_DELAY_MS: '0' });
process.on('exit', () => server.process.kill());

const served: Served[] = [];
try {
  for (const family of families) served.push(...(await serveFamily(server.url, family, source)));
} finally {
  await server.stop();
}
const truths = served.map((s) => s.truth);
const scores = scoreReads(
  truths,
  served.map((s) => s.read),
);
const ceilings = ceiling(truths, set, model);
const rows = families.map((family) => {
  const c = ceilings.find((x) => x.family === family.name)!;
  const mine = served.filter((s) => s.truth.family === family.name);
  return report(
    family,
    scores.find((s) => s.family === family.name)!,
    c.readable / c.pictures,
    mine,
  );
});

console.log(
  `seed ${seed}, ${n} pictures per family, POST /read and POST /predict on a served ${model.info.name} (${concurrency} at a time)`,
);
console.log(`ceiling: pictures whose every source digit the model reads right on the original 28x28 pixels (blank pictures: 1)\n`);
printTable(rows, new Set(families.filter((f) => f.blank).map((f) => f.name)));
if (Number(values.misreads) > 0) {
  console.log('\nmisread:');
  printMisreads(served, Number(values.misreads));
}
console.log(`\n${((performance.now() - started) / 1000).toFixed(0)} s`);
if (values.json) {
  const provenance = { seed, n, weights: { file: values.weights, sha256: model.info.sha256 } };
  const pictures = served.map((s) => ({
    family: s.truth.family,
    index: s.truth.index,
    text: s.truth.text,
    read: s.read,
    predict: s.predicted,
  }));
  await writeFile(values.json, `${JSON.stringify({ ...provenance, families: rows, pictures }, null, 1)}\n`);
}
