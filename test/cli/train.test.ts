/**
 * Where the training tools write. Only the decision is tested, never a real run: each refused
 * command would train (briefly: one epoch, tiny sets) if the refusal were missing, so a
 * regression fails these tests rather than hangs them, and every command names an --out in a
 * temporary folder, so that not even a regression can write into weights/.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { holdoutFiles } from '../../src/data/holdout-files.js';
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
