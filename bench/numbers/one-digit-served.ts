/**
 * One-digit pictures through POST /read and POST /predict on one real server: /read must give
 * exactly /predict's digit as its text (docs/API.md: "a picture of one digit gives /predict's
 * digit"), and the same problem where /predict answers one (a blank picture: no_digit). Every
 * picture of the one-digit real-upload corpus (bench/corpus) is sent to both; per family, the
 * pictures where they disagree, and the first few of them to re-render.
 *
 *   nice npm run bench:read:one-digit -- [--n 200] [--blanks 20] [--seed 1] [--families photo,scan] [--concurrency 4]
 *     [--weights weights/digit-serve-mlp.safetensors] [--list 10]
 *
 * Picture "digit i" is test digit i drawn by the family (`renderDigit(family, set, i, seed)`),
 * "blank j" the family's blank picture j (`renderBlank(family, j, seed)`); the digits are the
 * ones bench/corpus/serve-measure.ts draws for the same seed and --n.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_WEIGHTS } from '../../src/config.js';
import { loadMnistSplit } from '../../src/data/idx.js';
import { sharedPath } from '../../test/support/shared-data.js';
import { mapLimit, renderBlank, renderDigit } from '../corpus/corpus.js';
import { selectedFamilies, type Family } from '../corpus/families.js';
import { sampleIndices } from '../corpus/rng.js';
import { startChildServer } from '../lib/child-server.js';
import { postPicture, predictEach, readEach, sameReading, type PredictAnswer, type Upload } from './read-client.js';
import type { ReadAnswer } from './score.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '200' },
    blanks: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    families: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    weights: { type: 'string', default: DEFAULT_WEIGHTS },
    list: { type: 'string', default: '10' },
  },
});
const seed = Number(values.seed);
const blanks = Number(values.blanks);
const concurrency = Number(values.concurrency);

interface Compared {
  readonly family: string;
  /** "digit <test index>" or "blank <j>" */
  readonly picture: string;
  readonly predicted: PredictAnswer;
  readonly read: ReadAnswer;
  readonly upload: Upload;
}

/** The family's pictures of `indices` and its first `blanks` blank pictures, each through /predict and /read. */
async function compareFamily(url: string, family: Family, indices: readonly number[]): Promise<Compared[]> {
  const pictures = [
    ...(family.blankOnly ? [] : indices).map((i) => ({ name: `digit ${i}`, render: () => renderDigit(family, set, i, seed) })),
    ...Array.from({ length: blanks }, (_, j) => ({ name: `blank ${j}`, render: () => renderBlank(family, j, seed) })),
  ];
  const files = await mapLimit(pictures, 4, (p) => p.render());
  const uploads = files.map((bytes) => ({ bytes, ext: family.ext }));
  const predicted = await predictEach(url, uploads, concurrency);
  const read = await readEach(url, uploads, concurrency);
  return pictures.map(({ name }, i) => ({
    family: family.name,
    picture: name,
    predicted: predicted[i]!,
    read: read[i]!,
    upload: uploads[i]!,
  }));
}

/** Both answers again with their confidences, to tell a near tie from a misreading. */
async function bothConfidences(url: string, { upload }: Compared): Promise<string> {
  const [p, r] = await Promise.all(['/predict', '/read'].map((path) => postPicture(url, path, upload)));
  return `/predict ${withConfidence(p)}, /read ${withConfidence(r)}`;
}

function withConfidence(body: unknown): string {
  const b = body as { prediction?: number; text?: string; code?: string; confidence?: number; digits?: { confidence: number }[] };
  const what = b.code ?? (b.text === undefined ? String(b.prediction) : JSON.stringify(b.text));
  const confidences = b.digits?.map((d) => d.confidence) ?? (b.confidence === undefined ? [] : [b.confidence]);
  return confidences.length > 0 ? `${what} (confidence ${confidences.map((c) => c.toFixed(3)).join(', ')})` : what;
}

const isProblem = (a: PredictAnswer | ReadAnswer) => 'code' in a;

function printFamily(family: string, compared: readonly Compared[]): void {
  const mismatched = compared.filter((c) => !sameReading(c.read, c.predicted));
  const count = (test: (c: Compared) => boolean) => mismatched.filter(test).length;
  const digits = compared.filter((c) => c.picture.startsWith('digit')).length;
  const cells = [
    family,
    String(digits),
    String(compared.length - digits),
    String(mismatched.length),
    String(count((c) => !isProblem(c.predicted) && !isProblem(c.read))),
    String(count((c) => !isProblem(c.predicted) && isProblem(c.read))),
    String(count((c) => isProblem(c.predicted) && !isProblem(c.read))),
  ];
  console.log(`| ${cells.join(' | ')} |`);
}

const set = await loadMnistSplit(sharedPath('mnist'), 't10k');
const families = selectedFamilies(values.families);
const indices = sampleIndices(set.count, Number(values.n), seed);
const server = await startChildServer({ WORKERS: '1', WEIGHTS: values.weights, MAX_EVENT_LOOP_DELAY_MS: '0' });
process.on('exit', () => server.process.kill());

console.log(`seed ${seed}, ${values.n} test digits and ${blanks} blank pictures per family; ${values.weights}`);
console.log("a mismatch: /read's text is not /predict's digit, or one answers a problem and the other does not\n");
console.log(
  '| family | digit pictures | blank pictures | mismatches | /read other text | /read problem, /predict digit | /read digit, /predict problem |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
const all: Compared[] = [];
try {
  for (const family of families) {
    const compared = await compareFamily(server.url, family, indices);
    printFamily(family.name, compared);
    all.push(...compared);
  }
  const mismatched = all.filter((c) => !sameReading(c.read, c.predicted));
  console.log(`\n${mismatched.length} mismatches in ${all.length} pictures`);
  for (const c of mismatched.slice(0, Number(values.list)))
    console.log(`  ${c.family} ${c.picture}: ${await bothConfidences(server.url, c)}`);
} finally {
  await server.stop();
}
