/**
 * A deliberately plain HTTP client for the hostile tests, the fuzz test and the benches: it
 * sends exactly the bytes and headers it is given (a malformed multipart body stays
 * malformed), opens a fresh connection per request unless told otherwise (so a request never
 * fails because an earlier one left a keep-alive socket in a bad state), and reports a
 * connection failure as a value instead of a thrown error, so callers can count them.
 */
import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { PROBLEMS, type ProblemCode } from '../../../src/http/problem.js';

export interface Outgoing {
  method?: string;
  path: string;
  headers?: Record<string, string | number>;
  body?: Buffer | string;
  /** a keep-alive agent to reuse connections; default: a new connection, closed after the answer */
  agent?: Agent;
  timeoutMs?: number;
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** milliseconds from sending the request to the last byte of the answer */
  readonly ms: number;
}

/** The connection failed or timed out before a complete answer arrived. */
export interface Failure {
  readonly status: 0;
  readonly error: string;
  readonly ms: number;
}

export function send(base: string, out: Outgoing): Promise<Answer | Failure> {
  const url = new URL(base);
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (value: Answer | Failure) => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    const fail = (err: unknown) =>
      finish({ status: 0, error: (err as NodeJS.ErrnoException).code ?? String(err), ms: performance.now() - started });
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: out.method ?? 'POST',
        // the path exactly as given (URL resolution would turn //x into a host and drop ../)
        path: out.path,
        // an explicit length: Node sends a DELETE or OPTIONS body without one otherwise
        headers: out.body === undefined ? (out.headers ?? {}) : { 'content-length': Buffer.byteLength(out.body), ...out.headers },
        agent: out.agent ?? false,
        timeout: out.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          // a response cut short is a failure, not an answer
          if (!res.complete) fail(new Error('incomplete response'));
          else finish({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - started });
        });
        res.on('error', fail);
        res.on('aborted', () => fail(new Error('response aborted')));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', fail);
    req.end(out.body);
  });
}

export function isAnswer(r: Answer | Failure): r is Answer {
  return r.status !== 0;
}

/** The parsed body; loosely typed on purpose: the assertions that read it are the check. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function bodyJson(r: Answer): any {
  return JSON.parse(r.body.toString('utf8'));
}

export interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer | string;
}

/** A multipart/form-data body built byte by byte (file parts have a filename, fields do not). */
export function multipart(parts: readonly Part[], boundary = 'hostile-boundary-7f3a9c'): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`;
    const type = p.filename === undefined ? '' : `Content-Type: ${p.contentType ?? 'application/octet-stream'}\r\n`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`, 'latin1'));
    chunks.push(Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data, 'utf8'));
    chunks.push(Buffer.from('\r\n', 'latin1'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export const PROBLEM_CONTENT_TYPE = /^application\/problem\+json/;

/**
 * Why an answer is not a well-formed problem of the catalogue (undefined when it is): the
 * content type, a known code, and a status that agrees with the catalogue and the HTTP status.
 */
export function problemDefect(r: Answer): string | undefined {
  if (!PROBLEM_CONTENT_TYPE.test(String(r.headers['content-type']))) return `content-type ${r.headers['content-type']}`;
  let body: { code?: unknown; status?: unknown; type?: unknown; title?: unknown };
  try {
    body = bodyJson(r);
  } catch {
    return 'body is not JSON';
  }
  if (typeof body.code !== 'string' || !Object.hasOwn(PROBLEMS, body.code)) return `unknown code ${String(body.code)}`;
  const known = PROBLEMS[body.code as ProblemCode];
  // bad_request is documented as "400 (or the framework's 4xx)": any 4xx, as long as body and header agree
  const statusFits = body.code === 'bad_request' ? r.status >= 400 && r.status < 500 : known.status === r.status;
  if (body.status !== r.status || !statusFits) return `status ${r.status} with body.status ${String(body.status)} for ${body.code}`;
  if (body.type !== `urn:digit-serve:problem:${body.code}` || typeof body.title !== 'string') return 'type or title missing';
  return undefined;
}

/** Short description of an answer for assertion messages. */
export function describeAnswer(r: Answer | Failure): string {
  if (!isAnswer(r)) return `connection failure ${r.error} after ${r.ms.toFixed(0)} ms`;
  return `${r.status} ${r.headers['content-type'] ?? ''} ${r.body.toString('utf8').slice(0, 300)}`;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The HTTP/1.1 responses in a raw byte stream (Content-Length framed), in order. */
export function parseResponses(text: string): RawResponse[] {
  const out: RawResponse[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length'] ?? 0);
    out.push({ status: Number(statusLine!.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

/** Write `bytes` on a fresh TCP connection and return everything the server sends until it closes (or `timeoutMs`). */
export function rawExchange(base: string, bytes: string | Buffer, timeoutMs = 5_000): Promise<string> {
  const url = new URL(base);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Buffer.concat(received).toString('latin1')));
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.write(bytes);
  });
}
