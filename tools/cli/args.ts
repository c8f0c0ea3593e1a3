/**
 * What the command-line tools in tools/cli share, so that they all answer the same way:
 *   --help, -h           the usage on stdout, exit 0
 *   a bad option         `<tool>: <problem>`, a blank line and the usage on stderr, exit 2
 *   any other failure    `<tool>: <message>`, one line on stderr, exit 1
 * and no tool replaces an existing file unless it is given --force.
 */
import { existsSync } from 'node:fs';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/** A bad option or argument: the tool exits 2 and shows its usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** --help or -h was given: not a failure, so it is thrown past any further checks and answered with exit 0. */
export class HelpRequested extends Error {
  override name = 'HelpRequested';
  constructor() {
    super('help requested');
  }
}

/** Where the training tools write by default: git-ignored, so a run never replaces the shipped weights in weights/. */
export const TRAINED_DIR = 'artifacts/train';

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * node:util parseArgs in strict mode with --help/-h added to `options`. Throws HelpRequested
 * when help is asked for and UsageError for an unknown option, a missing value or (unless
 * `positionals`) a stray argument.
 */
export function parseCliArgs<const O extends ParseArgsOptionsConfig>(argv: readonly string[], options: O, { positionals = false } = {}) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...options, ...HELP }, strict: true, allowPositionals: positionals });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  // the values' type is only known at the call site, where `help` is one of them
  if ((parsed.values as { help?: boolean }).help === true) throw new HelpRequested();
  return parsed;
}

/** An integer option: `fallback` when absent, a UsageError unless it is a whole number in min..max. */
export function intOption(flag: string, text: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${flag} must be an integer in ${min}..${max}, got "${text}"`);
  return n;
}

/** A number option: `fallback` when absent, a UsageError unless it is a finite number in min..max. */
export function numberOption(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${flag} must be a number in ${min}..${max}, got "${text}"`);
  return n;
}

/**
 * Throws (exit 1) naming the first of `files` that exists, unless `force`. Checked before any
 * work, so a training run is not lost at its end. `otherwise` adds the other way out, if the tool has one.
 */
export function refuseOverwrite(files: readonly string[], force: boolean, otherwise?: string): void {
  if (force) return;
  const existing = files.find((f) => existsSync(f));
  if (existing !== undefined) throw new Error(`${existing} exists: pass --force to overwrite it${otherwise ? `, or ${otherwise}` : ''}`);
}

/**
 * Run a tool's `main` on the command line's arguments and set the exit code from how it ends
 * (see the top of this file). `usage` is the tool's whole usage text.
 */
export function runCli(tool: string, usage: string, main: (argv: string[]) => Promise<void>): void {
  const text = usage.endsWith('\n') ? usage : `${usage}\n`;
  main(process.argv.slice(2)).then(
    () => (process.exitCode = 0),
    (err: unknown) => {
      if (err instanceof HelpRequested) {
        process.stdout.write(text);
        process.exitCode = 0;
      } else if (err instanceof UsageError) {
        process.stderr.write(`${tool}: ${err.message}\n\n${text}`);
        process.exitCode = 2;
      } else {
        process.stderr.write(`${tool}: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      }
    },
  );
}
