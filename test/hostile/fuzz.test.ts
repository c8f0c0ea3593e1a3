/**
 * Seeded fuzzing of the real listening server: random bytes, mutated PNG/JPEG/WebP/GIF/TIFF/AVIF
 * files, random and broken JSON, random content types, malformed multipart framing, stray
 * routes and methods, and batches mixing good and bad items, 12 requests in flight at a time.
 * Whatever comes in: never a 5xx, never a dropped connection, every error a problem+json
 * whose code is in the catalogue, every untouched image answered exactly as when sent alone,
 * and a server still answering correctly at the end.
 *
 * Request i is generated from its own PRNG seeded with (SEED, i), so a failing request can be
 * replayed alone: FUZZ_ONLY=i (comma-separated) sends just those, FUZZ_REQUESTS=n changes the count.
 */
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toyDigitModel } from '../support/models.js';
import { startServer, type RunningServer } from '../support/server.js';
import { fixture, prng } from './support/fixtures.js';
import {
  bodyJson,
  describeAnswer,
  isAnswer,
  multipart,
  problemDefect,
  send,
  type Answer,
  type Failure,
  type Outgoing,
  type Part,
} from './support/http.js';

const SEED = 0x2026_1128;
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3_000);
const ONLY = process.env.FUZZ_ONLY?.split(',').map(Number);
const CONCURRENCY = 12;
const MAX_FILE_BYTES = 50_000;
const MAX_BATCH_FILES = 8;
const MAX_BODY_BYTES = 200_000;

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;
const chance = (r: Rand, p: number) => r() < p;
const bytes = (r: Rand, n: number) => Buffer.from(Array.from({ length: n }, () => int(r, 256)));

interface Base {
  readonly name: string;
  readonly bytes: Buffer;
  readonly type: string;
  /** the probabilities this exact file gets when sent alone */
  expected?: number[];
}
let bases: Base[] = [];
/** JSON pixels with a known answer (a vertical stroke) */
const GOOD_PIXELS = Array.from({ length: 784 }, (_, i) => (i % 28 === 14 ? 1 : 0));
let goodPixelsExpected: number[];

/** What a generated request should get, beyond the rules every answer must follow. */
interface Expect {
  /** an untouched image or good pixels: must be 200 with exactly these probabilities */
  probabilities?: number[];
  /** a batch: for each good item, its expected probabilities (others unknown) */
  batch?: Array<number[] | undefined>;
}
interface Generated {
  readonly kind: string;
  readonly request: Outgoing;
  readonly expect?: Expect;
}

// ---------------------------------------------------------------- mutations

const MUTATIONS: Record<string, (r: Rand, b: Buffer) => Buffer> = {
  bitflips: (r, b) => {
    const out = Buffer.from(b);
    for (let n = 1 + int(r, 16); n > 0 && out.length; n--) out[int(r, out.length)]! ^= 1 << int(r, 8);
    return out;
  },
  truncate: (r, b) => b.subarray(0, int(r, b.length)),
  duplicateSlice: (r, b) => {
    const start = int(r, b.length);
    const end = Math.min(b.length, start + 1 + int(r, 256));
    const at = int(r, b.length + 1);
    return Buffer.concat([b.subarray(0, at), b.subarray(start, end), b.subarray(at)]);
  },
  deleteSlice: (r, b) => {
    const start = int(r, b.length);
    return Buffer.concat([b.subarray(0, start), b.subarray(Math.min(b.length, start + 1 + int(r, 64)))]);
  },
  insertRandom: (r, b) => {
    const at = int(r, b.length + 1);
    return Buffer.concat([b.subarray(0, at), bytes(r, 1 + int(r, 64)), b.subarray(at)]);
  },
  headerBytes: (r, b) => {
    // the first bytes hold magic, sizes, bit depths, colour types, chunk lengths
    const out = Buffer.from(b);
    for (let n = 1 + int(r, 4); n > 0; n--) out[int(r, Math.min(out.length, 48))] = pick(r, [0x00, 0xff, 0x7f, 0x80, int(r, 256)]);
    return out;
  },
  pngDimensions: (r, b) => {
    // a plausible IHDR with a valid CRC, so the decoder believes it: sizes, depth, colour type
    if (b.length < 33 || b.toString('latin1', 12, 16) !== 'IHDR') return MUTATIONS.headerBytes!(r, b);
    const out = Buffer.from(b);
    out.writeUInt32BE(pick(r, [0, 1, 28, 29, 999, 1000, 1001, 4096, 65535, 0x7fffffff, 0xffffffff, int(r, 3000)]), 16);
    out.writeUInt32BE(pick(r, [0, 1, 28, 27, 1000, 1001, 0x7fffffff, int(r, 3000)]), 20);
    if (chance(r, 0.3)) out[24] = pick(r, [1, 2, 4, 8, 16, 3, 0]);
    if (chance(r, 0.3)) out[25] = pick(r, [0, 2, 3, 4, 6, 1, 7]);
    if (chance(r, 0.2)) out[28] = pick(r, [0, 1, 2]); // interlace
    out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
    return out;
  },
};

function mutate(r: Rand, b: Buffer): { bytes: Buffer; how: string } {
  const names = Object.keys(MUTATIONS);
  let out = b;
  const how: string[] = [];
  for (let n = 1 + int(r, 3); n > 0; n--) {
    const name = pick(r, names);
    how.push(name);
    out = MUTATIONS[name]!(r, out);
  }
  return { bytes: out, how: how.join('+') };
}

// ---------------------------------------------------------------- JSON

const SCALARS: readonly unknown[] = [
  0,
  1,
  0.5,
  -0,
  -1,
  2,
  1e308,
  -1e308,
  5e-324,
  1e21,
  2 ** 53 + 1,
  0.1 + 0.2,
  '',
  '0.5',
  'ünï©ødé 🙂',
  '\u0000',
  '\ud800',
  'x'.repeat(300),
  true,
  false,
  null,
];
const KEYS = ['pixels', 'inputs', 'image', 'constructor', 'prototype', 'pïxels', '', '🙂', 'toString', '0'];

function jsonValue(r: Rand, depth: number): unknown {
  if (depth <= 0 || chance(r, 0.45)) return pick(r, SCALARS);
  if (chance(r, 0.5)) return Array.from({ length: int(r, 6) }, () => jsonValue(r, depth - 1));
  return Object.fromEntries(Array.from({ length: int(r, 4) }, () => [pick(r, KEYS), jsonValue(r, depth - 1)]));
}

function pixelsLike(r: Rand): unknown {
  const length = pick(r, [784, 784, 784, 783, 785, 0, 1, 28, int(r, 1600)]);
  const values = Array.from({ length }, () => (chance(r, 0.97) ? Math.round(r() * 1000) / 1000 : pick(r, SCALARS)));
  const body: Record<string, unknown> = { pixels: values };
  if (chance(r, 0.1)) body[pick(r, KEYS)] = jsonValue(r, 2);
  return body;
}

/** Valid JSON text turned invalid: tokens JSON does not have, cut short, trailing commas. */
function breakJson(r: Rand, text: string): string {
  switch (int(r, 7)) {
    case 0:
      return text.replace(/\b0\b/, pick(r, ['NaN', 'Infinity', '-Infinity', 'undefined', '0x10', '01', '.5']));
    case 1:
      return text.slice(0, int(r, text.length));
    case 2:
      return text.replace(']', ',]');
    case 3:
      return `\uFEFF${text}`;
    case 4:
      return text.replace(/"/g, "'");
    case 5:
      return `${text} // comment`;
    default:
      return `${text}${text}`;
  }
}

function deepNesting(r: Rand, key: 'pixels' | 'inputs'): string {
  // deep but inside the body limit: JSON.parse and the validators must not recurse into a stack overflow
  const depth = 1 + int(r, 20_000);
  const open = pick(r, ['[', '{"a":']);
  const close = open === '[' ? ']' : '}';
  return `{"${key}": ${open.repeat(depth)}${pick(r, ['0', '1', 'null', '[]'])}${close.repeat(depth)}}`;
}

// ---------------------------------------------------------------- requests

const IMAGE_TYPES = [
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/gif',
  'image/tiff',
  'image/avif',
  'application/octet-stream',
  'image/x-anything',
];
const ODD_TYPES = [
  'text/plain',
  'text/html',
  'application/xml',
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/problem+json',
  'application/vnd.api+json',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'multipart/form-data; boundary="unterminated',
  'multipart/mixed; boundary=x',
  'image/svg+xml',
  'image/',
  'image',
  '*/*',
  '',
  ';',
  'image/png; q=0.5; charset=binary',
  'application/octet-stream; x="y"',
];

function imagePayload(r: Rand): { bytes: Buffer; type: string; expected?: number[]; kind: string } {
  const base = pick(r, bases);
  const roll = r();
  if (roll < 0.15) return { bytes: base.bytes, type: base.type, expected: base.expected, kind: `good:${base.name}` };
  if (roll < 0.25) return { bytes: bytes(r, int(r, 4096)), type: pick(r, IMAGE_TYPES), kind: 'random-bytes' };
  const m = mutate(r, base.bytes);
  return { bytes: m.bytes, type: chance(r, 0.7) ? base.type : pick(r, IMAGE_TYPES), kind: `mutated:${base.name}:${m.how}` };
}

function single(r: Rand): Generated {
  const p = imagePayload(r);
  const expect = p.expected ? { probabilities: p.expected } : undefined;
  if (chance(r, 0.5))
    return { kind: `raw ${p.kind}`, request: { path: '/predict', headers: { 'content-type': p.type }, body: p.bytes }, expect };
  const parts: Part[] = [
    {
      name: chance(r, 0.95) ? 'image' : pick(r, ['images', 'file', '']),
      filename: pick(r, ['d.png', 'ü.jpg', 'a"b.gif', '', 'x'.repeat(300)]),
      contentType: p.type,
      data: p.bytes,
    },
  ];
  if (chance(r, 0.15)) parts.unshift({ name: pick(r, KEYS), data: bytes(r, int(r, 2000)).toString('latin1') });
  const m = multipart(parts);
  const good = parts.length === 1 && parts[0]!.name === 'image';
  return {
    kind: `multipart ${p.kind}`,
    request: { path: '/predict', headers: { 'content-type': m.contentType }, body: m.body },
    expect: good ? expect : undefined,
  };
}

function batch(r: Rand): Generated {
  const n = 1 + int(r, MAX_BATCH_FILES + 1); // sometimes one over the limit
  if (chance(r, 0.35)) {
    const good = Array.from({ length: n }, () => chance(r, 0.5));
    const inputs = good.map((g) => (g ? { pixels: GOOD_PIXELS } : chance(r, 0.7) ? pixelsLike(r) : jsonValue(r, 3)));
    const expected = good.map((g) => (g ? goodPixelsExpected : undefined));
    return {
      kind: `batch json x${n}`,
      request: { path: '/predict/batch', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs }) },
      expect: n <= MAX_BATCH_FILES ? { batch: expected } : undefined,
    };
  }
  const payloads = Array.from({ length: n }, () => imagePayload(r));
  const m = multipart(payloads.map((p, i) => ({ name: 'images', filename: `${i}.img`, contentType: p.type, data: p.bytes })));
  return {
    kind: `batch multipart x${n} [${payloads.map((p) => p.kind.split(':')[0]).join(',')}]`,
    request: { path: '/predict/batch', headers: { 'content-type': m.contentType }, body: m.body },
    expect: n <= MAX_BATCH_FILES ? { batch: payloads.map((p) => p.expected) } : undefined,
  };
}

function json(r: Rand): Generated {
  const path = chance(r, 0.7) ? '/predict' : '/predict/batch';
  const roll = int(r, 5);
  let text: string;
  let kind: string;
  if (roll === 0) [text, kind] = [JSON.stringify(jsonValue(r, 4)), 'json random'];
  else if (roll === 1) [text, kind] = [deepNesting(r, path === '/predict' ? 'pixels' : 'inputs'), 'json deep'];
  else if (roll === 2) [text, kind] = [breakJson(r, JSON.stringify(pixelsLike(r))), 'json broken'];
  else [text, kind] = [JSON.stringify(path === '/predict' ? pixelsLike(r) : { inputs: [pixelsLike(r), pixelsLike(r)] }), 'json pixels'];
  return { kind, request: { path, headers: { 'content-type': 'application/json' }, body: text } };
}

function oddContentType(r: Rand): Generated {
  const body = chance(r, 0.5) ? pick(r, bases).bytes : chance(r, 0.5) ? JSON.stringify({ pixels: GOOD_PIXELS }) : bytes(r, int(r, 1024));
  const type = pick(r, ODD_TYPES);
  return {
    kind: `content-type "${type}"`,
    request: { path: pick(r, ['/predict', '/predict/batch']), headers: { 'content-type': type }, body },
  };
}

function brokenMultipart(r: Rand): Generated {
  const parts: Part[] = [{ name: 'images', filename: 'a.png', contentType: 'image/png', data: pick(r, bases).bytes }];
  if (chance(r, 0.5)) parts.push({ name: 'images', filename: 'b.png', contentType: 'image/png', data: pick(r, bases).bytes });
  const { body, contentType } = multipart(parts);
  const m = mutate(r, body);
  const path = pick(r, ['/predict', '/predict/batch']);
  return { kind: `broken multipart ${m.how}`, request: { path, headers: { 'content-type': contentType }, body: m.bytes } };
}

function strayRoute(r: Rand): Generated {
  const method = pick(r, ['GET', 'PUT', 'DELETE', 'PATCH', 'POST', 'OPTIONS', 'HEAD']);
  const path = pick(r, [
    '/predict',
    '/predict/batch',
    '/predict/',
    '//predict',
    '/predict?x=%zz',
    '/%zz',
    '/predict/../predict',
    '/nope',
    '/predict?' + 'a=1&'.repeat(200),
  ]);
  const body = method === 'GET' || method === 'HEAD' ? undefined : JSON.stringify({ pixels: GOOD_PIXELS });
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  return { kind: `${method} ${path.slice(0, 30)}`, request: { method, path, headers, body } };
}

const GENERATORS: Array<[weight: number, (r: Rand) => Generated]> = [
  [30, single],
  [20, batch],
  [20, json],
  [12, oddContentType],
  [10, brokenMultipart],
  [8, strayRoute],
];

function generate(i: number): Generated {
  const r = prng((SEED ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0);
  let roll = r() * GENERATORS.reduce((s, [w]) => s + w, 0);
  for (const [w, gen] of GENERATORS) {
    if ((roll -= w) < 0) return gen(r);
  }
  return GENERATORS[0]![1](r);
}

// ---------------------------------------------------------------- checks

/** Why this answer breaks the rules (undefined when it does not). */
function violation(g: Generated, r: Answer | Failure): string | undefined {
  if (!isAnswer(r)) return `no answer: ${r.error}`;
  if (r.status >= 500) return `status ${r.status}`;
  // a HEAD answer has the headers of the GET answer and no body
  if (g.request.method === 'HEAD') return r.body.length === 0 ? undefined : 'a HEAD answer with a body';
  if (r.status >= 400) return problemDefect(r);
  if (r.status !== 200 && r.status !== 204) return `unexpected status ${r.status}`;
  const body = bodyJson(r);
  const path = g.request.path;
  if (path === '/predict') {
    if (!Array.isArray(body.probabilities) || body.probabilities.length !== 10) return 'a 200 without ten probabilities';
    if (g.expect?.probabilities && !sameNumbers(body.probabilities, g.expect.probabilities)) return 'a good image got another answer';
  }
  if (path === '/predict/batch') {
    if (!Array.isArray(body.results) || body.results.length !== body.count) return 'a batch 200 whose results do not match its count';
    for (const [k, item] of (body.results as Array<{ probabilities?: number[]; error?: unknown }>).entries()) {
      if (item.error === undefined && item.probabilities?.length !== 10) return `batch item ${k}: neither an answer nor an error`;
      const expected = g.expect?.batch?.[k];
      if (expected && !sameNumbers(item.probabilities, expected)) return `batch item ${k}: a good image got another answer`;
    }
    if (g.expect?.batch && body.results.length !== g.expect.batch.length) return 'a batch answered another number of items';
  }
  return undefined;
}

const sameNumbers = (a: unknown, b: readonly number[]) => Array.isArray(a) && a.length === b.length && a.every((v, i) => v === b[i]);

// ---------------------------------------------------------------- the run

let server: RunningServer;

async function probabilitiesOf(request: Outgoing): Promise<number[]> {
  const r = await send(server.url, request);
  if (r.status !== 200) throw new Error(`baseline request failed: ${describeAnswer(r)}`);
  return bodyJson(r as Answer).probabilities;
}

beforeAll(async () => {
  server = await startServer(
    {
      MAX_FILE_BYTES: String(MAX_FILE_BYTES),
      MAX_BATCH_FILES: String(MAX_BATCH_FILES),
      MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      // mutated headers may declare big images: a low pixel limit keeps each decode cheap
      MAX_INPUT_PIXELS: String(1_000_000),
      // the fuzz checks answers, not load shedding (overload.test.ts does): no 503 from a lagging loop
      MAX_EVENT_LOOP_DELAY_MS: '0',
    },
    { model: toyDigitModel() },
  );
  const digit = fixture('digit-7.png');
  const d = () => sharp(digit);
  bases = [
    { name: 'png', bytes: digit, type: 'image/png' },
    { name: 'png-interlaced', bytes: await d().png({ progressive: true }).toBuffer(), type: 'image/png' },
    { name: 'jpeg', bytes: await d().jpeg({ quality: 90 }).toBuffer(), type: 'image/jpeg' },
    { name: 'jpeg-progressive', bytes: await d().jpeg({ progressive: true }).toBuffer(), type: 'image/jpeg' },
    { name: 'webp', bytes: fixture('frame0.webp'), type: 'image/webp' },
    { name: 'webp-lossy', bytes: await d().webp({ quality: 80 }).toBuffer(), type: 'image/webp' },
    { name: 'webp-animated', bytes: fixture('animated.webp'), type: 'image/webp' },
    { name: 'gif', bytes: fixture('frame0.gif'), type: 'image/gif' },
    { name: 'gif-animated', bytes: fixture('animated.gif'), type: 'image/gif' },
    { name: 'tiff', bytes: await d().tiff({ compression: 'lzw' }).toBuffer(), type: 'image/tiff' },
    { name: 'avif', bytes: await d().avif({ effort: 0 }).toBuffer(), type: 'image/avif' },
  ];
  for (const base of bases)
    base.expected = await probabilitiesOf({ path: '/predict', headers: { 'content-type': base.type }, body: base.bytes });
  goodPixelsExpected = await probabilitiesOf({
    path: '/predict',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pixels: GOOD_PIXELS }),
  });
}, 30_000);
afterAll(() => server?.close());

describe('fuzz', () => {
  it(`survives ${REQUESTS} seeded hostile requests: no 5xx, no dropped connection, only catalogued problems, good items answered exactly`, async () => {
    const started = performance.now();
    const indices = ONLY ?? Array.from({ length: REQUESTS }, (_, i) => i);
    const statuses = new Map<number, number>();
    const codes = new Map<string, number>();
    const failures: string[] = [];
    /** violations grouped by what broke and which kind of request broke it, for the summary */
    const groups = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < indices.length) {
        const i = indices[next++]!;
        const g = generate(i);
        const r = await send(server.url, { ...g.request, timeoutMs: 20_000 });
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (isAnswer(r) && r.status >= 400 && problemDefect(r) === undefined) {
          const code = String(bodyJson(r).code);
          codes.set(code, (codes.get(code) ?? 0) + 1);
        }
        const why = violation(g, r);
        if (!why) continue;
        const group = `${why} <- ${g.kind.split(' ')[0]}`.replace(/\d+/g, 'N');
        groups.set(group, (groups.get(group) ?? 0) + 1);
        failures.push(
          `#${i} ${g.kind} ${g.request.method ?? 'POST'} ${g.request.path.slice(0, 40)} [${String(g.request.headers?.['content-type'] ?? '')}]: ${why} :: ${describeAnswer(r).slice(0, 200)}`,
        );
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;
    const histogram = Object.fromEntries([...statuses].sort(([a], [b]) => a - b));
    console.log(
      `fuzz: ${indices.length} requests in ${seconds.toFixed(1)} s (seed ${SEED.toString(16)}, ${CONCURRENCY} in flight); ` +
        `status ${JSON.stringify(histogram)}; codes ${JSON.stringify(Object.fromEntries([...codes].sort()))}; violations ${failures.length}`,
    );
    if (groups.size) console.log(`fuzz violations by kind: ${JSON.stringify(Object.fromEntries(groups))}`);
    expect.soft(failures.slice(0, 25), `${failures.length} violations`).toEqual([]);

    // still alive, and still right (checked even when some answers broke the rules)
    await expect(send(server.url, { method: 'GET', path: '/health/ready' })).resolves.toMatchObject({ status: 200 });
    for (const base of bases) {
      const r = await send(server.url, { path: '/predict', headers: { 'content-type': base.type }, body: base.bytes });
      expect(r.status, describeAnswer(r)).toBe(200);
      expect(bodyJson(r as Answer).probabilities).toEqual(base.expected);
    }
  }, 60_000);
});
