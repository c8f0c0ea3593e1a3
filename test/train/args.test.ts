import { describe, expect, it } from 'vitest';
import { HelpRequested, UsageError } from '../../tools/cli/args.js';
import { DEFAULTS, parseTrainArgs } from '../../tools/train/args.js';

describe('parseTrainArgs', () => {
  it('gives the shipped recipe when no option is given', () => {
    expect(parseTrainArgs([])).toEqual({ ...DEFAULTS, quiet: false, force: false });
  });

  it('writes a new file under the git-ignored artifacts/train by default, never into the shipped weights/', () => {
    expect(DEFAULTS.out).toBe('artifacts/train/digit-serve-mlp.safetensors');
  });

  it('reads every option', () => {
    const o = parseTrainArgs([
      '--out',
      'x.safetensors',
      '--name',
      'n',
      '--layers',
      '784,32,10',
      '--activation',
      'relu',
      '--epochs',
      '2',
      '--batch-size',
      '16',
      '--lr',
      '0.01',
      '--min-lr',
      '0',
      '--warmup',
      '0.5',
      '--weight-decay',
      '0.0001',
      '--label-smoothing',
      '0.1',
      '--ema',
      '0',
      '--augment',
      'elastic',
      '--seed',
      '7',
      '--holdout',
      '50',
      '--split-seed',
      '3',
      '--train-dir',
      'd',
      '--eval-mnist-dir',
      'e',
      '--quiet',
      '--force',
    ]);
    expect(o).toEqual({
      out: 'x.safetensors',
      name: 'n',
      sizes: [784, 32, 10],
      activation: 'relu',
      epochs: 2,
      batchSize: 16,
      lr: 0.01,
      minLr: 0,
      warmupEpochs: 0.5,
      weightDecay: 0.0001,
      labelSmoothing: 0.1,
      ema: 0,
      augment: 'elastic',
      seed: 7,
      holdoutPerClass: 50,
      splitSeed: 3,
      trainDir: 'd',
      evalMnistDir: 'e',
      quiet: true,
      force: true,
    });
  });

  it('takes --augment on as the default level', () => {
    expect(parseTrainArgs(['--augment', 'off'])).toMatchObject({ augment: 'off' });
    expect(parseTrainArgs(['--augment', 'on'])).toMatchObject({ augment: DEFAULTS.augment });
  });

  it('answers --help and -h', () => {
    expect(() => parseTrainArgs(['--help'])).toThrow(HelpRequested);
    expect(() => parseTrainArgs(['-h'])).toThrow(HelpRequested);
  });

  it.each([
    [['--epochs', 'small'], /--epochs must be an integer/],
    [['--epochs', '0'], /--epochs must be an integer in 1\.\./],
    [['--lr', 'fast'], /--lr must be a number/],
    [['--label-smoothing', '2'], /--label-smoothing must be a number in 0\.\.1/],
    [['--layers', '784,50,9'], /--layers must start with 784 .* end with 10/],
    [['--layers', '784'], /at least two positive integers/],
    [['--activation', 'tanh'], /--activation must be one of sigmoid, relu/],
    [['--augment', 'max'], /--augment must be on or one of off, light, elastic, strong/],
    [['--out', 'w.pkl'], /\.safetensors/],
    [['--lr', '0.001', '--min-lr', '0.01'], /must not exceed/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['stray'], /positional/],
  ])('rejects %j with a usage error', (argv, message) => {
    expect(() => parseTrainArgs(argv)).toThrow(UsageError);
    expect(() => parseTrainArgs(argv)).toThrow(message);
  });
});
