/**
 * A problem found in the bytes of a weights file. The parsers work on bytes and do not know
 * the file name; load.ts turns this into a WeightsError that names the file.
 */
export class InvalidWeightsError extends Error {
  override name = 'InvalidWeightsError';
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
