import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BOOK_WEIGHTS, MNIST_DIR } from '../support/mnist.js';
import { hasSharedData } from '../support/shared-data.js';

const run = promisify(execFile);

describe('npm run eval', () => {
  it.skipIf(!hasSharedData)('prints the book figure, per-class accuracy and the confusion matrix', async () => {
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      'tools/cli/eval.ts',
      '--weights',
      BOOK_WEIGHTS(),
      '--mnist-dir',
      MNIST_DIR(),
    ]);
    expect(stdout).toMatch(/^accuracy 0\.9352 \(9352 \/ 10000\)/m);
    expect(stdout).toMatch(/^ {2}0 +98\.16% +962 \/ 980$/m);
    expect(stdout).toContain('confusion matrix (rows: true class, columns: predicted)');
  });

  it('uses the held-out digits shipped with the default weights without --mnist-dir', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'tools/cli/eval.ts']);
    expect(stdout).toMatch(/^dataset {2}holdout: /m);
    expect(stdout).toMatch(/^accuracy 0\.975 \(975 \/ 1000\)/m);
  });
});
