import type { z } from 'zod';

/**
 * A problem found in the bytes of a weights file. The parsers work on bytes and do not know
 * the file name; load.ts turns this into a WeightsError that names the file.
 */
export class InvalidWeightsError extends Error {
  override name = 'InvalidWeightsError';
}

/**
 * Text taken from a weights file (a tensor name, a metadata value) is quoted in messages only
 * this far: a hostile file must not turn the one-line start-up error into megabytes.
 */
const QUOTED_CHARS = 40;
/** The same reason bounds how many names or issues a message lists. */
const LISTED_ITEMS = 4;
const LISTED_ISSUES = 3;

/** `text`, or its start and its length when it is longer than `max` characters. */
export function clip(text: string, max = QUOTED_CHARS): string {
  if (text.length <= max) return text;
  // never end on the first half of a surrogate pair
  const last = text.charCodeAt(max - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}... (${thousands(text.length)} chars)`;
}

/** "a, b, c, d, ... (49,996 more)": the first few items, each clipped, and how many were left out. */
export function listSome(items: Iterable<string>, shown = LISTED_ITEMS): string {
  const head: string[] = [];
  let total = 0;
  for (const item of items) {
    if (total++ < shown) head.push(clip(item));
  }
  if (total === 0) return 'none';
  return total > shown ? `${head.join(', ')}, ... (${thousands(total - shown)} more)` : head.join(', ');
}

/** A count with thousands separators, whatever the locale. */
export function thousands(n: number | bigint): string {
  return n.toLocaleString('en-US');
}

/** Zod issues on one line, for messages that must fit a one-line start-up error. */
export function zodIssues(error: z.ZodError): string {
  const shown = error.issues
    .slice(0, LISTED_ISSUES)
    .map((i) => `${clip(i.path.map(String).join('.')) || 'value'}: ${clip(i.message, 2 * QUOTED_CHARS)}`);
  const more = error.issues.length - shown.length;
  return more > 0 ? `${shown.join('; ')}; ... (${thousands(more)} more)` : shown.join('; ');
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
