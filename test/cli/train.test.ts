/**
 * Where the training tools write. Only the decision is tested, never a real run: each refused
 * command would train (briefly: one epoch, tiny sets) if the refusal were missing, so a
 * regression fails these tests rather than hangs them, and every command names an --out in a
 * temporary folder, so that not even a regression can write into weights/. The exception is
 * --labels and --profile: what they write is checked on one epoch of 3,000 Fashion-MNIST
 * pictures (skipped when Debian's dataset-fashion-mnist is not installed).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { holdoutFiles } from '../../src/data/holdout-files.js';
import { loadMnistSplit } from '../../src/data/idx.js';
import { HoldoutSpec } from '../../src/data/holdout-spec.js';
import { loadWeights } from '../../src/model/weights/load.js';
import { UsageError } from '../../tools/cli/args.js';
import { encodeIdx } from '../../tools/data/write-holdout.js';
import { DEFAULTS, parseTrainArgs } from '../../tools/train/args.js';
import { LABEL_SETS } from '../../tools/train/labels.js';
import { runTool } from './run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'digit-serve-train-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const QUICK_TRAIN = ['--epochs', '1', '--quiet'];
const QUICK_PARTS = ['--epochs', '1', '--pictures', '1', '--holdout-pictures', '1', '--out', join(tmp, 'never-written.safetensors')];

describe.concurrent('npm run train', () => {
  it('says in its usage that it writes under artifacts/train by default, and that --force overwrites', async () => {
    const { stdout } = await runTool('tools/cli/train.ts', ['--help']);
    expect(stdout).toMatch(/^ {2}--out FILE .*\n? *\[artifacts\/train\/digit-serve-mlp\.safetensors\]$/m);
    expect(stdout).toMatch(/^ {2}--force /m);
  });

  it('refuses an existing --out without --force, before any training', async () => {
    const out = join(tmp, 'mine.safetensors');
    writeFileSync(out, 'mine');
    const run = await runTool('tools/cli/train.ts', ['--out', out, ...QUICK_TRAIN]);
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: `train: ${out} exists: pass --force to overwrite it, or choose another file with --out FILE\n`,
    });
    expect(readFileSync(out, 'utf8')).toBe('mine');
  });

  it('refuses when the held-out digits it would write beside --out exist', async () => {
    const out = join(tmp, 'beside.safetensors');
    const { labels } = holdoutFiles(out);
    writeFileSync(labels, 'mine');
    const run = await runTool('tools/cli/train.ts', ['--out', out, ...QUICK_TRAIN]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`train: ${labels} exists: pass --force to overwrite it, or choose another file with --out FILE\n`);
    expect(readFileSync(labels, 'utf8')).toBe('mine');
  });
});

describe.concurrent('npm run train:parts', () => {
  it('says in its usage that it writes under artifacts/train by default, and that --force overwrites', async () => {
    const { stdout } = await runTool('tools/cli/train-parts.ts', ['--help']);
    expect(stdout).toMatch(/^ {2}--out FILE .*\n? *\[artifacts\/train\/digit-serve-parts\.safetensors\]$/m);
    expect(stdout).toMatch(/^ {2}--force /m);
  });

  it('refuses an existing --out without --force, before any work', async () => {
    const out = join(tmp, 'parts.safetensors');
    writeFileSync(out, 'mine');
    const run = await runTool('tools/cli/train-parts.ts', [...QUICK_PARTS, '--out', out]);
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: `train-parts: ${out} exists: pass --force to overwrite it, or choose another file with --out FILE\n`,
    });
    expect(readFileSync(out, 'utf8')).toBe('mine');
  });

  it.each([
    [['--pictures', 'many'], /^train-parts: --pictures must be an integer/],
    [['--keep', '2'], /^train-parts: --keep must be a number in 0\.\.1/],
    [['--out', join(tmp, 'parts.pkl')], /^train-parts: --out must name a \.safetensors file/],
  ])('exits 2 with the usage on %j, before any work', async (args, message) => {
    // the option under test comes last: of a repeated option, parseArgs keeps the last value
    const run = await runTool('tools/cli/train-parts.ts', [...QUICK_PARTS, ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('usage: npm run train:parts -- ');
  });
});

const FASHION_LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

describe('npm run train --labels, --profile', () => {
  it('takes the named sets, a list of names and the two profiles', () => {
    expect(LABEL_SETS.fashion).toEqual(FASHION_LABELS);
    expect(parseTrainArgs(['--labels', 'fashion', '--profile', 'plain'])).toMatchObject({ labels: FASHION_LABELS, profile: 'plain' });
    expect(parseTrainArgs(['--labels', 'fashion'])).toMatchObject({ labels: FASHION_LABELS, profile: 'digits' });
    expect(parseTrainArgs(['--profile', 'plain'])).toMatchObject({ labels: LABEL_SETS.digits, profile: 'plain' });
    const names = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    expect(parseTrainArgs(['--labels', names.join(', ')])).toMatchObject({ labels: names, profile: 'digits' });
  });

  it('leaves the defaults out of the options, given or not, so that the shipped recipe is unchanged', () => {
    const plain = { ...DEFAULTS, quiet: false, force: false };
    expect(parseTrainArgs([])).toEqual(plain);
    expect(parseTrainArgs(['--labels', 'digits', '--profile', 'digits'])).toEqual(plain);
    expect(parseTrainArgs(['--labels', '0,1,2,3,4,5,6,7,8,9'])).toEqual(plain);
  });

  it('writes to artifacts/train/NAME.safetensors without --out, and to --out when given', () => {
    expect(parseTrainArgs(['--name', 'fashion']).out).toBe('artifacts/train/fashion.safetensors');
    expect(parseTrainArgs(['--out', 'x.safetensors', '--name', 'fashion']).out).toBe('x.safetensors');
    expect(parseTrainArgs([]).out).toBe(DEFAULTS.out);
  });

  it.each([
    [['--labels', 'a,b,c'], /--labels names 3 classes but the last layer has 10 units/],
    [['--labels', 'fashion,extra'], /--labels names 2 classes but the last layer has 10 units/],
    [['--labels', 'shoes'], /--labels must be digits or fashion, or at least two class names/],
    [['--labels', 'a,,b,c,d,e,f,g,h,i'], /at least two class names/],
    [['--labels', 'a,a,b,c,d,e,f,g,h,i'], /--labels names "a" twice/],
    [['--profile', 'photo'], /--profile must be one of digits, plain/],
  ])('rejects %j with a usage error', (argv, message) => {
    expect(() => parseTrainArgs(argv)).toThrow(UsageError);
    expect(() => parseTrainArgs(argv)).toThrow(message);
  });

  it('exits 2 with the usage on a wrong count of labels, before any training', async () => {
    const out = join(tmp, 'never-labelled.safetensors');
    const run = await runTool('tools/cli/train.ts', ['--out', out, ...QUICK_TRAIN, '--labels', 'a,b,c']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^train: --labels names 3 classes but the last layer has 10 units\n\nusage: npm run train -- /);
    expect(run.stderr).toMatch(/^ {2}--labels SET /m);
    expect(run.stderr).toMatch(/^ {2}--profile P /m);
    expect(existsSync(out)).toBe(false);
  });

  const FASHION = '/usr/share/datasets/fashion-mnist';
  it.skipIf(!existsSync(join(FASHION, 'train-images-idx3-ubyte.gz')))(
    'writes labels and profile into the metadata only when they are not the defaults',
    async () => {
      // the first 3,000 Fashion-MNIST training pictures, as IDX files of their own
      const small = join(tmp, 'fashion-3000');
      mkdirSync(small);
      const full = await loadMnistSplit(FASHION, 'train');
      const n = 3000;
      writeFileSync(join(small, 'train-images-idx3-ubyte.gz'), gzipSync(encodeIdx([n, 28, 28], full.images.subarray(0, n * 784))));
      writeFileSync(join(small, 'train-labels-idx1-ubyte.gz'), gzipSync(encodeIdx([n], full.labels.subarray(0, n))));
      const quick = ['--train-dir', small, '--holdout', '20', '--augment', 'off', ...QUICK_TRAIN];
      const fashionOut = join(tmp, 'fashion.safetensors');
      const plainOut = join(tmp, 'fashion-unlabelled.safetensors');
      const [fashion, unlabelled] = await Promise.all([
        runTool('tools/cli/train.ts', [...quick, '--labels', 'fashion', '--profile', 'plain', '--out', fashionOut]),
        runTool('tools/cli/train.ts', [...quick, '--labels', 'digits', '--profile', 'digits', '--out', plainOut]),
      ]);
      expect(fashion).toMatchObject({ code: 0, stderr: '' });
      expect(unlabelled).toMatchObject({ code: 0, stderr: '' });
      const { info } = await loadWeights(fashionOut);
      expect(info.metadata.labels).toBe(JSON.stringify(FASHION_LABELS));
      expect(info.metadata.profile).toBe('plain');
      expect(info.metadata.description).toMatch(/pictures of 10 classes/);
      expect(HoldoutSpec.parse(JSON.parse(info.metadata.holdout!))).toMatchObject({ source: 'mnist-idx', perClass: 20, count: 200 });
      const training = JSON.parse(info.metadata.training!) as { data: { description: string } };
      expect(training.data.description).toContain('train-images-idx3-ubyte.gz');
      const other = (await loadWeights(plainOut)).info.metadata;
      expect(Object.keys(other)).not.toContain('labels');
      expect(Object.keys(other)).not.toContain('profile');
      expect(other.description).toMatch(/MLP for 28x28 digits/);
    },
    20_000,
  );
});
