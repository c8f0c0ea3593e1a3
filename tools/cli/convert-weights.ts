/**
 * Convert a weights file (typically the book's sample_weight.pkl) to the native safetensors format:
 *   npm run convert -- <in.pkl> <out.safetensors> [--name NAME] [--force]
 * The input is fully validated by the loader; the output records `name` and `source`
 * (JSON: the input's file name and sha256) in its metadata. An existing output is replaced
 * only with --force.
 * Exit codes: 0 written, 1 the input could not be read or the output written, 2 bad arguments.
 */
import { basename, extname } from 'node:path';
import { describeArchitecture } from '../../src/model/mlp.js';
import { loadWeights, saveWeights } from '../../src/model/weights/load.js';
import { parseCliArgs, refuseOverwrite, runCli, UsageError } from './args.js';

const DEFAULT_NAME = 'dlfs-sample-weight';
const USAGE = `usage: npm run convert -- <in.pkl> <out.safetensors> [--name NAME] [--force]

  <in.pkl>           weights to read: the book's .pkl, or a .safetensors file
  <out.safetensors>  the file to write
  --name NAME        model name in the metadata     [${DEFAULT_NAME}]
  --force            overwrite <out.safetensors> if it exists
  -h, --help         this text
`;

type Args = { input: string; output: string; name: string; force: boolean };

function parse(argv: string[]): Args {
  const { positionals, values } = parseCliArgs(argv, { name: { type: 'string' }, force: { type: 'boolean' } }, { positionals: true });
  if (positionals.length !== 2) throw new UsageError(`expected 2 file arguments, got ${positionals.length}`);
  const [input, output] = positionals as [string, string];
  if (extname(output).toLowerCase() !== '.safetensors') throw new UsageError(`the output must be a .safetensors file, got ${output}`);
  const name = values.name ?? DEFAULT_NAME;
  if (name.trim() === '') throw new UsageError('--name must not be empty');
  return { input, output, name, force: values.force ?? false };
}

runCli('convert', USAGE, async (argv) => {
  const args = parse(argv);
  refuseOverwrite([args.output], args.force);
  const { mlp, info } = await loadWeights(args.input);
  const source = JSON.stringify({ file: basename(args.input), sha256: info.sha256 });
  const written = await saveWeights(args.output, mlp, { name: args.name, source });
  console.log(
    [
      `wrote ${args.output} (${written.bytes} bytes)`,
      `  name          ${args.name}`,
      `  architecture  ${describeArchitecture(info.architecture)}`,
      `  source        ${basename(args.input)} sha256 ${info.sha256}`,
      `  sha256        ${written.sha256}`,
    ].join('\n'),
  );
});
