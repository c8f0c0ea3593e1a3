/**
 * Where the public reference data lives (MNIST, the book's weights; see ../shared/data/README.md).
 * It is never copied into the repository: tests read it at ../shared/data from the repository
 * root, or wherever DIGIT_SERVE_SHARED_DATA points, and skip (loudly) when it is absent.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const SHARED_DATA_DIR: string = process.env.DIGIT_SERVE_SHARED_DATA ?? resolve(repoRoot, '../shared/data');

export const hasSharedData: boolean = existsSync(SHARED_DATA_DIR);

export function sharedPath(...parts: string[]): string {
  return resolve(SHARED_DATA_DIR, ...parts);
}

/** Say loudly, once per test file, which tests are skipped because the shared data is absent. */
export function warnIfSharedDataMissing(what: string): void {
  if (hasSharedData) return;
  console.warn(
    `\n!!! SKIPPED: ${what} need the shared reference data, not found at ${SHARED_DATA_DIR} ` +
      '(set DIGIT_SERVE_SHARED_DATA to its location).\n',
  );
}
