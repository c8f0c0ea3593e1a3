/** The command-line handling all tools of tools/cli share (tools/cli/args.ts). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_PARTS_WEIGHTS, DEFAULT_WEIGHTS } from '../../src/config.js';
import { holdoutFiles } from '../../src/data/holdout-files.js';
import { HelpRequested, parseCliArgs, refuseOverwrite, UsageError } from '../../tools/cli/args.js';

const tmp = mkdtempSync(join(tmpdir(), 'digit-serve-cli-args-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('parseCliArgs', () => {
  const options = { out: { type: 'string' }, force: { type: 'boolean' } } as const;

  it('reads the options and, when allowed, the positionals', () => {
    const { values, positionals } = parseCliArgs(['a', '--out', 'x', 'b', '--force'], options, { positionals: true });
    expect(values).toEqual({ out: 'x', force: true });
    expect(positionals).toEqual(['a', 'b']);
  });

  it.each([[['--help']], [['-h']], [['--out', 'x', '--help']]])('throws HelpRequested on %j', (argv) => {
    expect(() => parseCliArgs(argv, options)).toThrow(HelpRequested);
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--out'], /argument missing/],
    [['stray'], /Unexpected argument 'stray'/],
  ])('throws a UsageError on %j', (argv, message) => {
    expect(() => parseCliArgs(argv, options)).toThrow(UsageError);
    expect(() => parseCliArgs(argv, options)).toThrow(message);
  });
});

describe('refuseOverwrite', () => {
  it('names the first file that exists and says to pass --force', () => {
    const file = join(tmp, 'b.safetensors');
    writeFileSync(file, 'x');
    expect(() => refuseOverwrite([join(tmp, 'a.safetensors'), file], false)).toThrow(`${file} exists: pass --force to overwrite it`);
    expect(() => refuseOverwrite([file], false, 'choose another file with --out FILE')).toThrow(
      `${file} exists: pass --force to overwrite it, or choose another file with --out FILE`,
    );
  });

  it('lets new files and, with --force, existing ones through', () => {
    expect(() => refuseOverwrite([join(tmp, 'new.safetensors')], false)).not.toThrow();
    expect(() => refuseOverwrite([DEFAULT_WEIGHTS], true)).not.toThrow();
  });

  it('guards the shipped weights and the held-out digits beside them', () => {
    for (const file of [DEFAULT_WEIGHTS, ...Object.values(holdoutFiles(DEFAULT_WEIGHTS)), DEFAULT_PARTS_WEIGHTS]) {
      expect(() => refuseOverwrite([file], false)).toThrow(`${file} exists: pass --force`);
    }
  });
});
