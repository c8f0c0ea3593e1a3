/**
 * The origins CORS_ORIGINS may list. A browser's Origin header is `scheme://host[:port]`, the
 * host in lower case and a default port left out, and @fastify/cors compares it with each entry
 * exactly: an entry no browser would send (a path, a trailing slash, `:443` on https) would
 * silently never match, so it is a config error instead.
 */
import { clip } from '../one-line.js';

/** scheme://host[:port] and nothing else: no path, query, fragment or user info */
const ORIGIN = /^[a-z][a-z\d+.-]*:\/\/[^/?#@\s]+$/i;

/** characters of an entry quoted in a message, so the issue stays short */
const QUOTED = 30;

/** What is wrong with each entry of a CORS_ORIGINS list (`*` alone allows any origin); none when it is sound. */
export function originProblems(entries: readonly string[]): string[] {
  const problems: string[] = [];
  for (const entry of entries) {
    if (entry === '*') {
      if (entries.length > 1) problems.push('* allows any origin and stands alone, not in a list');
      continue;
    }
    const quoted = JSON.stringify(clip(entry, QUOTED));
    const sent = browserForm(entry);
    if (sent === undefined) problems.push(`not an origin (scheme://host[:port]): ${quoted}`);
    else if (sent !== entry) problems.push(`a browser sends ${quoted} as ${JSON.stringify(clip(sent, QUOTED))}`);
  }
  return problems;
}

/**
 * The entry as a browser writes it in Origin (lower-case http and https hosts, no default port;
 * other schemes as written), or undefined when it is no origin at all. A trailing slash, a
 * common slip, is dropped, so the message can say what to write instead.
 */
function browserForm(entry: string): string | undefined {
  const bare = entry.replace(/\/$/, '');
  if (!ORIGIN.test(bare) || !URL.canParse(bare)) return undefined;
  const url = new URL(bare);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : bare;
}
