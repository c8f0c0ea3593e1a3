/**
 * A multipart/form-data body held whole in memory, split into its parts on the spot: the fast
 * path for the small uploads that make most requests. Streaming that body through busboy
 * (@fastify/multipart) costs a parser, streams and events per request and per part: about a
 * fifth of the CPU of a 28x28 PNG's whole request (docs/ARCHITECTURE.md, "Small forms read whole").
 *
 * It reads only the plain shape that browsers, curl and HTTP libraries send, and returns
 * undefined for anything else, which then goes to @fastify/multipart with the same bytes: a
 * preamble, padding after a boundary, folded or unknown part headers, parameters other than
 * `name` and `filename` (so no `filename*`), quoted strings with escapes, bytes outside
 * printable ASCII in headers, a field with its own content type, and any limit reached (a file
 * over the size limit is marked truncated there, a field over its size is refused there). So
 * every body either gives the parts busboy would give, or is busboy's to read; tests send the
 * same bodies both ways (test/http/form-data.test.ts).
 */

/** One part of a form: a text field, or a file part (one with a filename) and its bytes. */
export type FormPart =
  | { readonly type: 'field'; readonly name: string; readonly value: string }
  | { readonly type: 'file'; readonly name: string; readonly filename: string; readonly bytes: Buffer };

/** @fastify/multipart's limits (app.ts), which a body must stay within to be read here. */
export interface FormLimits {
  readonly parts: number;
  readonly files: number;
  readonly fields: number;
  readonly fieldBytes: number;
  readonly fileBytes: number;
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
/** `multipart/form-data; boundary=...` and nothing else; RFC 2046 caps a boundary at 70 characters. */
const CONTENT_TYPE = new RegExp(`^multipart/form-data;[ \\t]*boundary=(?:"([^"\\\\]+)"|(${TOKEN}))[ \\t]*$`, 'i');
/** `form-data` with its parameters, each a token or a quoted string without escapes. */
const DISPOSITION = new RegExp(`^form-data((?:[ \\t]*;[ \\t]*${TOKEN}=(?:"[^"\\\\]*"|${TOKEN}))*)[ \\t]*$`, 'i');
const PARAMETER = new RegExp(`;[ \\t]*(${TOKEN})=(?:"([^"\\\\]*)"|(${TOKEN}))`, 'g');
/** What a header block may hold: printable ASCII and the line breaks between its lines. */
const PLAIN_HEADERS = /^[\x20-\x7e]+(?:\r\n[\x20-\x7e]+)*$/;
/** A file part's content type, a plain `type/subtype` (busboy reads parameters; they are left to it). */
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}$`);

const CRLF = 0x0a0d;
const DASHES = 0x2d2d;
const HEADERS_END = Buffer.from('\r\n\r\n');

/** The boundary of a plain `multipart/form-data; boundary=...` content type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  const match = contentType === undefined ? null : CONTENT_TYPE.exec(contentType);
  const boundary = match ? (match[1] ?? match[2]!) : undefined;
  return boundary !== undefined && boundary.length <= 70 ? boundary : undefined;
}

/** The parts of `body`, in order, when it has the plain shape described above; otherwise undefined. */
export function parsePlainForm(body: Buffer, boundary: string, limits: FormLimits): FormPart[] | undefined {
  const delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  // the body opens with the delimiter's dashes and boundary (no preamble)
  const opening = delimiter.length - 2;
  if (body.length < opening || body.compare(delimiter, 2, delimiter.length, 0, opening) !== 0) return undefined;
  const parts: FormPart[] = [];
  let files = 0;
  let fields = 0;
  let at = opening;
  for (;;) {
    if (at + 2 > body.length) return undefined;
    const after = body.readUInt16LE(at);
    // the closing delimiter; what follows it (the epilogue) is ignored, as busboy does
    if (after === DASHES) return parts;
    if (after !== CRLF || parts.length === limits.parts) return undefined;
    const headersStart = at + 2;
    const headersEnd = body.indexOf(HEADERS_END, headersStart);
    // the part ends at the next delimiter, and its headers before it (busboy finds delimiters first)
    const contentStart = headersEnd + HEADERS_END.length;
    const contentEnd = body.indexOf(delimiter, headersStart);
    if (headersEnd <= headersStart || contentEnd < contentStart) return undefined;
    const part = partHeaders(body.toString('latin1', headersStart, headersEnd));
    if (part === undefined) return undefined;
    const content = body.subarray(contentStart, contentEnd);
    at = contentEnd + delimiter.length;
    if (part.filename === undefined) {
      if (++fields > limits.fields || content.length > limits.fieldBytes) return undefined;
      parts.push({ type: 'field', name: part.name, value: content.toString('utf8') });
    } else {
      if (++files > limits.files || content.length > limits.fileBytes) return undefined;
      parts.push({ type: 'file', name: part.name, filename: part.filename, bytes: content });
    }
  }
}

interface PartHeaders {
  readonly name: string;
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
}

/** A part's name, filename and content type from its header block, if it is a plain one. */
function partHeaders(block: string): PartHeaders | undefined {
  if (!PLAIN_HEADERS.test(block)) return undefined;
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    // a line opening with white space continues the one before (obsolete folding)
    if (colon <= 0 || line[0] === ' ' || line[0] === '\t') return undefined;
    const value = line.slice(colon + 1).trim();
    const header = line.slice(0, colon).toLowerCase();
    if (header === 'content-disposition' && disposition === undefined) disposition = value;
    else if (header === 'content-type' && contentType === undefined && MEDIA_TYPE.test(value)) contentType = value;
    else return undefined;
  }
  const params = disposition === undefined ? null : DISPOSITION.exec(disposition);
  if (params === null) return undefined;
  let name: string | undefined;
  let filename: string | undefined;
  for (const [, key, quoted, token] of params[1]!.matchAll(PARAMETER)) {
    const value = quoted ?? token!;
    const lower = key!.toLowerCase();
    if (lower === 'name' && name === undefined) name = value;
    // busboy keeps a filename's last path segment: one with a path is left to it
    else if (lower === 'filename' && filename === undefined && !/[/\\]/.test(value)) filename = value;
    else return undefined;
  }
  // @fastify/multipart refuses names that would reach Object.prototype; the refusal is its to give
  if (name === undefined || name in Object.prototype) return undefined;
  // a field with a content type (busboy reads its charset, or an octet-stream one as a file) is left to busboy
  if (filename === undefined && contentType !== undefined) return undefined;
  return { name, filename, contentType };
}
