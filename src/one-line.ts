/**
 * Text for one-line messages (a start-up error, a problem's detail) that quote what a client,
 * a file or the environment supplied: bounded whatever that is, so a hostile value cannot turn
 * one line into megabytes. zod's issues are worded here, one way for the query, the body, the
 * config and the weights' metadata alike.
 */
import type { z } from 'zod';

/** characters of a supplied value quoted, at most */
const QUOTED_CHARS = 40;
/** names listed, and issues described, at most */
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

export interface IssueWording {
  /** what an issue at the top level is about ("body", "query"); "value" by default */
  readonly root?: string;
  /** the parsed input: each issue then quotes the value it is about, as `(got ...)` */
  readonly input?: unknown;
  /** issues described, at most; the rest are counted */
  readonly most?: number;
}

/** "path: message (got value); ...; ... (n more)": the first issues of a failed parse, on one line. */
export function describeIssues(error: z.ZodError, wording: IssueWording = {}): string {
  const shown = error.issues.slice(0, wording.most ?? LISTED_ISSUES).map((issue) => {
    const where = clip(issue.path.map(String).join('.')) || (wording.root ?? 'value');
    const got = 'input' in wording ? quoted(valueAt(wording.input, issue.path)) : '';
    return `${where}: ${clip(issue.message, 2 * QUOTED_CHARS)}${got}`;
  });
  const more = error.issues.length - shown.length;
  return more > 0 ? `${shown.join('; ')}; ... (${thousands(more)} more)` : shown.join('; ');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** ` (got "70000")`, or nothing for a value that is missing: zod already says so. */
function quoted(value: unknown): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return ` (got ${clip(text)})`;
}
