/**
 * A model repository laid out as TF Serving's and Triton's are: `<name>/<version>/` folders,
 * each version a positive integer holding `model.safetensors` (and what the model needs beside
 * it: the held-out digits its /eval scores). Scanned at start-up; the highest version of a
 * model is its default.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const MODEL_FILE = 'model.safetensors';
const MODEL_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/i;
const VERSION = /^[1-9]\d{0,8}$/;

/** One version of one model, as the repository holds it. */
export interface VersionFile {
  readonly name: string;
  readonly version: string;
  readonly file: string;
}

/**
 * Every version of every model under `dir`, by name then version (numerically). Folders that
 * are not a model name or a version number, and versions without their model file, are left
 * out: a version being copied in is not served half-written, and no stray folder stops a start.
 */
export async function scanRepository(dir: string): Promise<VersionFile[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && MODEL_NAME.test(e.name)).map((e) => e.name);
  } catch (err) {
    throw new Error(`MODEL_REPOSITORY ${dir} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      cause: err,
    });
  }
  const found: VersionFile[] = [];
  for (const name of names.sort()) {
    const versions = (await readdir(join(dir, name), { withFileTypes: true }))
      .filter((e) => e.isDirectory() && VERSION.test(e.name))
      .map((e) => e.name)
      .sort((a, b) => Number(a) - Number(b));
    for (const version of versions) {
      const file = join(dir, name, version, MODEL_FILE);
      if (existsSync(file)) found.push({ name, version, file });
    }
  }
  if (found.length === 0) throw new Error(`MODEL_REPOSITORY ${dir} holds no model: expected <name>/<version>/${MODEL_FILE}`);
  return found;
}
