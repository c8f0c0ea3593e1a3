/**
 * Read and write weights files. Every load failure, whatever its cause (missing file, truncated
 * or corrupt bytes, foreign pickle global, bad shapes, NaN), becomes one WeightsError whose
 * one-line message names the file and the problem, so a bad file stops start-up with a
 * readable line rather than a stack trace; every save failure, one WeightsWriteError.
 * The parsers do work linear in the file's size and quote little of it, whatever it holds:
 * a hostile file is refused promptly, in a line of a few hundred characters.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Architecture, Mlp } from '../mlp.js';
import { WeightsWriteError } from './errors.js';
import { clip } from '../../one-line.js';
import { mlpFromSafetensors, mlpToSafetensors, type MlpMetadata } from './mlp-safetensors.js';
import { mlpFromPickle } from './numpy-pickle.js';
import { ModelInfo, WeightsError, type LoadedModel, type WeightsFormat } from './types.js';

const FORMAT_BY_EXTENSION: Readonly<Record<string, WeightsFormat>> = {
  '.safetensors': 'safetensors',
  '.pkl': 'pickle',
  '.pickle': 'pickle',
};

export function weightsFormatOf(file: string): WeightsFormat {
  const format = FORMAT_BY_EXTENSION[extname(file).toLowerCase()];
  if (format === undefined) {
    throw new WeightsError(file, `unsupported extension; supported: ${Object.keys(FORMAT_BY_EXTENSION).join(', ')}`);
  }
  return format;
}

export async function loadWeights(file: string): Promise<LoadedModel> {
  const format = weightsFormatOf(file);
  try {
    const bytes = await readFile(file);
    const { mlp, architecture, metadata } = format === 'safetensors' ? mlpFromSafetensors(bytes) : fromPickle(bytes);
    const info = ModelInfo.parse({
      name: metadata.name ?? basename(file, extname(file)),
      sha256: sha256(bytes),
      file,
      format,
      architecture,
      metadata,
    });
    return { mlp, info };
  } catch (err) {
    throw new WeightsError(file, describe(err, READ_PROBLEMS));
  }
}

interface Decoded {
  mlp: Mlp;
  architecture: Architecture;
  metadata: Record<string, string>;
}

/** A pickle carries no metadata: the name comes from the file name. */
function fromPickle(bytes: Uint8Array): Decoded {
  return { ...mlpFromPickle(bytes), metadata: {} };
}

/**
 * Write an MLP as safetensors (the only format we write). The bytes go to a temporary file
 * in the same directory, renamed over the target: a crash never leaves a half-written file
 * under the real name.
 */
export async function saveWeights(file: string, mlp: Mlp, metadata: MlpMetadata): Promise<{ sha256: string; bytes: number }> {
  if (extname(file).toLowerCase() !== '.safetensors') throw new WeightsWriteError(file, 'the file name must end in .safetensors');
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const bytes = mlpToSafetensors(mlp, metadata);
    await writeFile(temp, bytes, { flag: 'wx' });
    await rename(temp, file);
    return { sha256: sha256(bytes), bytes: bytes.length };
  } catch (err) {
    await rm(temp, { force: true });
    throw new WeightsWriteError(file, describe(err, WRITE_PROBLEMS));
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Plain words for the usual file system errors (Node's own messages repeat the path and the code). */
const READ_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'file not found',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, not a file',
};
const WRITE_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'the directory does not exist',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
};

/**
 * The parsers keep their messages short; this bound also holds for a cause they did not foresee.
 * Clipping first also keeps the newline regex, which backtracks over runs of spaces, on short text.
 */
const MAX_PROBLEM_CHARS = 240;

function describe(err: unknown, problems: Readonly<Record<string, string>>): string {
  const code = (err as NodeJS.ErrnoException).code;
  const message = (code !== undefined && problems[code]) || (err instanceof Error ? err.message : String(err));
  // one line, whatever the cause said
  return clip(message, MAX_PROBLEM_CHARS).replace(/\s*\n\s*/g, ' ');
}
