/**
 * Convert a weights file (typically the book's sample_weight.pkl) to the native safetensors format:
 *   npm run convert -- <in.pkl> <out.safetensors> [--name NAME]
 * The input is fully validated by the loader; the output records `name` and `source`
 * (JSON: the input's file name and sha256) in its metadata.
 * Exit codes: 0 written, 1 the input could not be read or the output written, 2 bad arguments.
 */
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { describeArchitecture } from '../../src/model/mlp.js';
import { loadWeights, saveWeights } from '../../src/model/weights/load.js';

const USAGE = 'usage: npm run convert -- <in.pkl> <out.safetensors> [--name NAME]';
const DEFAULT_NAME = 'dlfs-sample-weight';

type Args = { input: string; output: string; name: string };

function parse(argv: string[]): Args | string {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { name: { type: 'string' } } });
  } catch (err) {
    return (err as Error).message;
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 2) return `expected 2 file arguments, got ${positionals.length}`;
  const [input, output] = positionals as [string, string];
  if (extname(output).toLowerCase() !== '.safetensors') return `the output must be a .safetensors file, got ${output}`;
  const name = values.name ?? DEFAULT_NAME;
  if (name.trim() === '') return '--name must not be empty';
  return { input, output, name };
}

async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  if (typeof args === 'string') {
    console.error(`${args}\n${USAGE}`);
    return 2;
  }
  try {
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
    return 0;
  } catch (err) {
    console.error((err as Error).message);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
