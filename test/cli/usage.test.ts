/**
 * Every tool of tools/cli answers alike (tools/cli/args.ts): --help and -h print its usage to
 * stdout and exit 0 without doing any work; an unknown option prints the problem and the usage
 * to stderr and exits 2.
 */
import { describe, expect, it } from 'vitest';
import { runTool } from './run-cli.js';

const TOOLS = [
  ['train', 'tools/cli/train.ts', 'usage: npm run train -- '],
  ['train-parts', 'tools/cli/train-parts.ts', 'usage: npm run train:parts -- '],
  ['eval', 'tools/cli/eval.ts', 'usage: npm run eval -- '],
  ['convert', 'tools/cli/convert-weights.ts', 'usage: npm run convert -- '],
  ['fetch-mnist', 'tools/cli/fetch-mnist.ts', 'usage: npm run fetch-mnist -- '],
] as const;

describe.concurrent.each(TOOLS)('%s', (tool, file, usage) => {
  it('prints its usage to stdout and exits 0 on --help and on -h', async () => {
    const [long, short] = await Promise.all([runTool(file, ['--help']), runTool(file, ['-h'])]);
    expect(long).toMatchObject({ code: 0, stderr: '' });
    expect(long.stdout.startsWith(usage)).toBe(true);
    expect(long.stdout).toMatch(/^ {2}-h, --help/m);
    expect(short).toEqual(long);
  });

  it('names an unknown option on stderr, then the usage, and exits 2', async () => {
    const run = await runTool(file, ['--bogus']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const [problem, blank, ...rest] = run.stderr.split('\n');
    expect(problem).toMatch(new RegExp(`^${tool}: Unknown option '--bogus'`));
    expect(blank).toBe('');
    expect(rest.join('\n').startsWith(usage)).toBe(true);
  });
});
