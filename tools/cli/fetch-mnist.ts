/**
 * `npm run fetch-mnist -- [--mirror URL] [--out DIR] [--only t10k|train]`: download the official
 * MNIST files and verify their sha256 sums (tools/data/fetch-mnist.ts). The mirror is also taken
 * from MNIST_MIRROR. Exit codes: 0 all verified, 1 a download or a checksum failed, 2 usage.
 */
import { parseArgs } from 'node:util';
import { ChecksumError, DEFAULT_MIRROR, fetchMnist, MNIST_FILES } from '../data/fetch-mnist.js';

const USAGE = 'usage: npm run fetch-mnist -- [--mirror URL] [--out DIR] [--only t10k|train]\n';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { mirror: { type: 'string' }, out: { type: 'string', default: 'data/mnist' }, only: { type: 'string' } },
    }));
  } catch (err) {
    process.stderr.write(`fetch-mnist: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.only !== undefined && values.only !== 't10k' && values.only !== 'train') {
    process.stderr.write(`fetch-mnist: --only takes t10k or train\n${USAGE}`);
    return 2;
  }
  const mirror = values.mirror ?? process.env.MNIST_MIRROR ?? DEFAULT_MIRROR;
  const files = MNIST_FILES.filter((f) => values.only === undefined || f.name.startsWith(`${values.only}-`));
  try {
    for (const f of await fetchMnist(mirror, values.out, files)) {
      process.stdout.write(`${f.path}  ${f.bytes} bytes  verified (${f.matched} sha256)\n`);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`fetch-mnist: ${err instanceof ChecksumError ? 'checksum mismatch: ' : ''}${(err as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main();
