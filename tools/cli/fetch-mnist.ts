/**
 * `npm run fetch-mnist -- [--mirror URL] [--out DIR] [--only t10k|train]`: download the official
 * MNIST files and verify their sha256 sums (tools/data/fetch-mnist.ts). The mirror is also taken
 * from MNIST_MIRROR. Exit codes: 0 all verified, 1 a download or a checksum failed, 2 usage.
 */
import { ChecksumError, DEFAULT_MIRROR, fetchMnist, MNIST_FILES } from '../data/fetch-mnist.js';
import { parseCliArgs, runCli, UsageError } from './args.js';

const DEFAULT_OUT = 'data/mnist';
const USAGE = `usage: npm run fetch-mnist -- [--mirror URL] [--out DIR] [--only t10k|train]

  --mirror URL    where the .gz files are: --mirror, else MNIST_MIRROR, else
                  [${DEFAULT_MIRROR}]
  --out DIR       the folder to write them to, made if missing    [${DEFAULT_OUT}]
  --only SET      t10k (the test set) or train: only that set's two files
  -h, --help      this text
`;

runCli('fetch-mnist', USAGE, async (argv) => {
  const { values } = parseCliArgs(argv, {
    mirror: { type: 'string' },
    out: { type: 'string', default: DEFAULT_OUT },
    only: { type: 'string' },
  });
  if (values.only !== undefined && values.only !== 't10k' && values.only !== 'train') {
    throw new UsageError(`--only takes t10k or train, got "${values.only}"`);
  }
  const mirror = values.mirror ?? process.env.MNIST_MIRROR ?? DEFAULT_MIRROR;
  // checked before anything is fetched, so a mistyped mirror is a usage error rather than a failed download
  if (!URL.canParse(mirror) || !['http:', 'https:'].includes(new URL(mirror).protocol)) {
    throw new UsageError(
      `${values.mirror === undefined ? 'MNIST_MIRROR' : '--mirror'} must be an http:// or https:// URL, got "${mirror}"`,
    );
  }
  const files = MNIST_FILES.filter((f) => values.only === undefined || f.name.startsWith(`${values.only}-`));
  try {
    for (const f of await fetchMnist(mirror, values.out, files)) {
      process.stdout.write(`${f.path}  ${f.bytes} bytes  verified (${f.matched} sha256)\n`);
    }
  } catch (err) {
    if (err instanceof ChecksumError) err.message = `checksum mismatch: ${err.message}`;
    throw err;
  }
});
