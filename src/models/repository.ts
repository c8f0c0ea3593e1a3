/**
 * A model repository laid out as TF Serving's and Triton's are: `<name>/<version>/` folders,
 * each version a positive integer holding `model.safetensors` (and what the model needs beside
 * it: `model.safetensors.sha256` to check the file against, a t10k test set or the held-out
 * digits its /eval scores). The highest version of a model is its default.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const MODEL_FILE = 'model.safetensors';
/** `sha256sum model.safetensors > model.safetensors.sha256`: the hash the file must have */
export const CHECKSUM_FILE = `${MODEL_FILE}.sha256`;
const MODEL_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/i;
const VERSION = /^[1-9]\d{0,8}$/;

/** One version of one model, as the repository holds it. */
export interface VersionFile {
  readonly name: string;
  readonly version: string;
  readonly file: string;
  /** the hash its checksum file gives, when it has one */
  readonly sha256?: string;
  /** size, modification time and inode of the model file and its checksum: a new copy of the file changes it */
  readonly fingerprint: string;
}

/**
 * Every version of every model under `dir`, by name then version (numerically). Folders that
 * are not a model name or a version number, and versions without their model file, are left
 * out: a version being copied in is not served half-written, and no stray folder stops a start.
 * `only`: the versions of that model alone.
 */
export async function scanRepository(dir: string, only?: string): Promise<VersionFile[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && MODEL_NAME.test(e.name)).map((e) => e.name);
  } catch (err) {
    throw new Error(`MODEL_REPOSITORY ${dir} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      cause: err,
    });
  }
  const found: VersionFile[] = [];
  for (const name of names.filter((n) => only === undefined || n === only).sort()) {
    const versions = (await readdir(join(dir, name), { withFileTypes: true }).catch(() => []))
      .filter((e) => e.isDirectory() && VERSION.test(e.name))
      .map((e) => e.name)
      .sort((a, b) => Number(a) - Number(b));
    for (const version of versions) {
      const versionFile = await readVersion(dir, name, version);
      if (versionFile) found.push(versionFile);
    }
  }
  return found;
}

/** scanRepository, refusing a repository that holds no model: what start-up needs. */
export async function scanRepositoryToStart(dir: string): Promise<VersionFile[]> {
  const found = await scanRepository(dir);
  if (found.length === 0) throw new Error(`MODEL_REPOSITORY ${dir} holds no model: expected <name>/<version>/${MODEL_FILE}`);
  return found;
}

async function readVersion(dir: string, name: string, version: string): Promise<VersionFile | undefined> {
  const file = join(dir, name, version, MODEL_FILE);
  const model = await stat(file).catch(() => undefined);
  if (!model?.isFile()) return undefined;
  const checksumFile = join(dir, name, version, CHECKSUM_FILE);
  const checksum = await stat(checksumFile).catch(() => undefined);
  const sha256 = checksum && (await readFile(checksumFile, 'utf8').catch(() => '')).trim().split(/\s+/)[0]!.toLowerCase();
  const print = (s: { size: number; mtimeMs: number; ino: number } | undefined) => (s ? `${s.size}:${s.mtimeMs}:${s.ino}` : '-');
  return { name, version, file, ...(sha256 !== undefined && { sha256 }), fingerprint: `${print(model)}/${print(checksum)}` };
}
