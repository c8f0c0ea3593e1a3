import type { z } from 'zod';

/**
 * A problem found in the bytes of a weights file. The parsers work on bytes and do not know
 * the file name; load.ts turns this into a WeightsError that names the file.
 */
export class InvalidWeightsError extends Error {
  override name = 'InvalidWeightsError';
}

/** Zod issues on one line, for messages that must fit a one-line start-up error. */
export function zodIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || 'value'}: ${i.message}`).join('; ');
}

/** Saving failed; the load-side counterpart is WeightsError in types.ts. */
export class WeightsWriteError extends Error {
  override name = 'WeightsWriteError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`cannot write weights to ${file}: ${problem}`);
  }
}
