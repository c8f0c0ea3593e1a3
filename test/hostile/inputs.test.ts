/**
 * Hostile inputs against a real listening server, one committed file per case
 * (test/fixtures/hostile/). Each case must get its documented status and problem code, and a
 * real MNIST digit sent right after must get exactly the answer it got before: a bad request
 * may not change what the server answers next, nor leave it stuck.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemCode } from '../../src/http/problem.js';
import { toyDigitModel } from '../support/models.js';
import { startServer, type RunningServer } from '../support/server.js';
import { fixture, padTo } from './support/fixtures.js';
import {
  bodyJson,
  describeAnswer,
  isAnswer,
  multipart,
  parseResponses,
  problemDefect,
  rawExchange,
  send,
  type Answer,
  type Failure,
  type Outgoing,
} from './support/http.js';

// small limits keep the oversized cases small; the pixel limit stays at its default
const MAX_FILE_BYTES = 20_000;
const MAX_BATCH_FILES = 4;
const MAX_BODY_BYTES = 60_000;
const MAX_JSON_BYTES = 30_000;

let server: RunningServer;
/** What the control digit got from a fresh server: every later control must get exactly this. */
let baseline: unknown;

const digit = () => fixture('digit-7.png');
const raw = (body: Buffer | string, contentType: string, path = '/predict'): Outgoing => ({
  path,
  headers: { 'content-type': contentType },
  body,
});
const upload = (field: string, data: Buffer | string, filename: string, path = '/predict', contentType?: string): Outgoing => {
  const m = multipart([{ name: field, filename, data, ...(contentType ? { contentType } : {}) }]);
  return { path, headers: { 'content-type': m.contentType }, body: m.body };
};
const json = (body: string, path = '/predict'): Outgoing => raw(body, 'application/json', path);

const control = () => send(server.url, raw(digit(), 'image/png'));

beforeAll(async () => {
  server = await startServer(
    {
      MAX_FILE_BYTES: String(MAX_FILE_BYTES),
      MAX_BATCH_FILES: String(MAX_BATCH_FILES),
      MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      MAX_JSON_BYTES: String(MAX_JSON_BYTES),
    },
    { model: toyDigitModel() },
  );
  const first = await control();
  expect(first.status, describeAnswer(first)).toBe(200);
  baseline = bodyJson(first as Answer);
});
afterAll(() => server?.close());

function expectProblem(r: Answer | Failure, status: number, code: ProblemCode): asserts r is Answer {
  expect(isAnswer(r) && { status: r.status, code: bodyJson(r).code }, describeAnswer(r)).toEqual({ status, code });
  expect(problemDefect(r as Answer), describeAnswer(r)).toBeUndefined();
}

async function expectStillServes(): Promise<void> {
  const r = await control();
  expect(r.status, describeAnswer(r)).toBe(200);
  expect(bodyJson(r as Answer)).toEqual(baseline);
}

interface Case {
  what: string;
  request: () => Outgoing;
  status: number;
  code: ProblemCode;
}

const CASES: Case[] = [
  // nothing to read
  { what: 'an empty body with no content type', request: () => ({ path: '/predict' }), status: 400, code: 'empty_body' },
  { what: 'an empty JSON body', request: () => json(''), status: 400, code: 'empty_body' },
  { what: 'an empty image/png body', request: () => raw(Buffer.alloc(0), 'image/png'), status: 400, code: 'missing_image' },
  {
    what: 'an empty file in the image field',
    request: () => upload('image', Buffer.alloc(0), 'empty.png'),
    status: 400,
    code: 'missing_image',
  },
  {
    what: 'a multipart body with fields but no file',
    request: () => {
      const m = multipart([{ name: 'note', data: 'seven' }]);
      return { path: '/predict', headers: { 'content-type': m.contentType }, body: m.body };
    },
    status: 400,
    code: 'missing_image',
  },
  { what: 'the digit in a field named "file"', request: () => upload('file', digit(), 'digit-7.png'), status: 400, code: 'missing_image' },
  {
    what: 'the digit in a batch field named "image"',
    request: () => upload('image', digit(), 'digit-7.png', '/predict/batch'),
    status: 400,
    code: 'missing_image',
  },

  // not images
  {
    what: 'a text file in the image field',
    request: () => upload('image', fixture('text.txt'), 'text.txt', '/predict', 'text/plain'),
    status: 400,
    code: 'invalid_image',
  },
  { what: 'an HTML page sent as image/png', request: () => raw(fixture('page.html'), 'image/png'), status: 400, code: 'invalid_image' },
  {
    what: 'random bytes as application/octet-stream',
    request: () => raw(fixture('random.bin'), 'application/octet-stream'),
    status: 400,
    code: 'invalid_image',
  },
  {
    what: 'the PNG signature followed by garbage',
    request: () => upload('image', fixture('png-magic-garbage.png'), 'x.png'),
    status: 400,
    code: 'invalid_image',
  },
  { what: 'a truncated PNG', request: () => raw(fixture('truncated.png'), 'image/png'), status: 400, code: 'invalid_image' },
  { what: 'a truncated JPEG', request: () => raw(fixture('truncated.jpg'), 'image/jpeg'), status: 400, code: 'invalid_image' },
  {
    what: 'a JPEG with a corrupt quantisation table',
    request: () => upload('image', fixture('corrupt-header.jpg'), 'x.jpg'),
    status: 400,
    code: 'invalid_image',
  },
  // formats the service does not read: BMP and PDF are not recognised at all (invalid_image),
  // SVG and HEIF are recognised and refused (unsupported_media_type)
  { what: 'a BMP sent as image/bmp', request: () => raw(fixture('image.bmp'), 'image/bmp'), status: 400, code: 'invalid_image' },
  { what: 'a PDF sent as image/png', request: () => raw(fixture('doc.pdf'), 'image/png'), status: 400, code: 'invalid_image' },
  {
    what: 'an SVG sent as image/svg+xml',
    request: () => raw(fixture('image.svg'), 'image/svg+xml'),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    what: 'an SVG in the image field',
    request: () => upload('image', fixture('image.svg'), 'x.svg', '/predict', 'image/svg+xml'),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    what: 'a HEIF header sent as image/heic',
    request: () => raw(fixture('image.heic'), 'image/heic'),
    status: 415,
    code: 'unsupported_media_type',
  },
  { what: 'a text/plain body', request: () => raw(fixture('text.txt'), 'text/plain'), status: 415, code: 'unsupported_media_type' },
  {
    what: 'an HTML page sent as text/html',
    request: () => raw(fixture('page.html'), 'text/html'),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    what: 'a raw PNG sent to the batch route',
    request: () => raw(digit(), 'image/png', '/predict/batch'),
    status: 415,
    code: 'unsupported_media_type',
  },

  // broken multipart framing: a malformed request, documented as bad_request
  {
    what: 'multipart/form-data without a boundary',
    request: () => raw(upload('image', digit(), 'd.png').body!, 'multipart/form-data'),
    status: 400,
    code: 'bad_request',
  },
  {
    what: 'a multipart body cut off inside the file',
    request: () => {
      const { body, contentType } = multipart([{ name: 'image', filename: 'd.png', data: digit() }]);
      return raw(body.subarray(0, body.length - 60), contentType);
    },
    status: 400,
    code: 'bad_request',
  },
  {
    what: 'a batch multipart body cut off inside the second file',
    request: () => {
      const { body, contentType } = multipart([
        { name: 'images', filename: 'a.png', data: digit() },
        { name: 'images', filename: 'b.png', data: digit() },
      ]);
      return raw(body.subarray(0, body.length - 60), contentType, '/predict/batch');
    },
    status: 400,
    code: 'bad_request',
  },

  // a path that cannot be percent-decoded never reaches a route: still a documented problem
  {
    what: 'a path with broken percent-encoding',
    request: () => ({ ...raw(digit(), 'image/png'), path: '/predict%zz' }),
    status: 400,
    code: 'bad_request',
  },

  // over the limits (made at run time: a real PNG padded past the limit)
  {
    what: 'a file one byte over MAX_FILE_BYTES',
    request: () => upload('image', padTo(digit(), MAX_FILE_BYTES + 1), 'big.png'),
    status: 413,
    code: 'image_too_large',
  },
  {
    what: 'a raw image one byte over MAX_FILE_BYTES',
    request: () => raw(padTo(digit(), MAX_FILE_BYTES + 1), 'image/png'),
    status: 413,
    code: 'body_too_large',
  },
  {
    what: 'a batch of MAX_BATCH_FILES + 1 files',
    request: () => {
      const m = multipart(Array.from({ length: MAX_BATCH_FILES + 1 }, (_, i) => ({ name: 'images', filename: `${i}.png`, data: digit() })));
      return raw(m.body, m.contentType, '/predict/batch');
    },
    status: 413,
    code: 'too_many_images',
  },
  {
    what: 'a JSON batch of MAX_BATCH_FILES + 1 inputs',
    request: () =>
      json(
        JSON.stringify({ inputs: Array.from({ length: MAX_BATCH_FILES + 1 }, () => ({ pixels: new Array(784).fill(0) })) }),
        '/predict/batch',
      ),
    status: 413,
    code: 'too_many_images',
  },
  {
    what: 'a batch whose files, each under the file limit, add up to more than MAX_BODY_BYTES',
    request: () => {
      const each = Math.ceil(MAX_BODY_BYTES / MAX_BATCH_FILES) + 1000; // 4 x 16,000 > 60,000, each < 20,000
      const m = multipart(
        Array.from({ length: MAX_BATCH_FILES }, (_, i) => ({ name: 'images', filename: `${i}.png`, data: padTo(digit(), each) })),
      );
      return raw(m.body, m.contentType, '/predict/batch');
    },
    status: 413,
    code: 'body_too_large',
  },
  {
    what: 'a JSON body over MAX_JSON_BYTES (though under MAX_BODY_BYTES)',
    request: () => json(`{"pixels": [${new Array(784).fill('0').join(',')}]${' '.repeat(MAX_JSON_BYTES)}}`),
    status: 413,
    code: 'body_too_large',
  },
  {
    what: 'JSON nested deeper than any request needs',
    request: () => json(`{"pixels": ${'['.repeat(33)}0${']'.repeat(33)}}`),
    status: 400,
    code: 'invalid_input',
  },
  {
    what: 'JSON with more arrays than a full batch needs',
    request: () => json(`{"pixels": [${'[],'.repeat(64 + 32 * MAX_BATCH_FILES)}[]]}`),
    status: 400,
    code: 'invalid_input',
  },
  {
    what: 'JSON with more keys than any request names',
    request: () => json(`{${Array.from({ length: 1_025 }, (_, i) => `"k${i}":0`).join(',')}}`),
    status: 400,
    code: 'invalid_input',
  },
  {
    what: 'JSON poisoning the prototype',
    request: () => json(`{"pixels": [0], "__proto__": {"x": 1}}`),
    status: 400,
    code: 'invalid_json',
  },

  // JSON that is not what the schema says
  { what: 'JSON with 783 pixels', request: () => json(fixture('wrong-count.json').toString()), status: 400, code: 'invalid_input' },
  {
    what: 'JSON with a NaN pixel (not JSON at all)',
    request: () => json(fixture('nan.json').toString()),
    status: 400,
    code: 'invalid_json',
  },
  { what: 'JSON with pixels as strings', request: () => json(fixture('strings.json').toString()), status: 400, code: 'invalid_input' },
  { what: 'JSON with nested garbage', request: () => json(fixture('nested.json').toString()), status: 400, code: 'invalid_input' },
  { what: 'JSON with a pixel of 1e400', request: () => json(fixture('huge-number.json').toString()), status: 400, code: 'invalid_input' },
  { what: 'JSON with a __proto__ key', request: () => json('{"__proto__": {"pixels": []}}'), status: 400, code: 'invalid_json' },
];

describe('hostile single requests', () => {
  it.each(CASES)('answers $status $code to $what, then still answers a digit as before', async ({ request, status, code }) => {
    expectProblem(await send(server.url, request()), status, code);
    await expectStillServes();
  });
});

describe('malformed HTTP', () => {
  // these never reach a route: the HTTP parser rejects them, and the answer must still be a problem
  it.each([
    ['a non-numeric Content-Length', 400, 'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
    ['a garbage request line', 400, 'HELLO THERE\r\n\r\n'],
    ['a 20 KB header', 431, `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
  ] as const)('answers %s with a %i bad_request problem, then still answers a digit as before', async (_what, status, bytes) => {
    const text = await rawExchange(server.url, bytes);
    const [response] = parseResponses(text);
    expect(response?.status, text.slice(0, 200)).toBe(status);
    expect(response!.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(response!.body)).toMatchObject({ status, code: 'bad_request' });
    await expectStillServes();
  });
});

describe('decompression bombs', () => {
  it.each([
    ['PNG', 'bomb.png', 'image/png'],
    // 8,000^2 is over MAX_INPUT_PIXELS but under sharp's own default limit: only the service's limit refuses it
    ['PNG (8,000 x 8,000)', 'bomb-8000.png', 'image/png'],
    ['JPEG', 'bomb.jpg', 'image/jpeg'],
    ['GIF', 'bomb.gif', 'image/gif'],
  ])('refuses a tiny %s declaring too many pixels from its header: fast, without the memory', async (_format, file, type) => {
    // 30,000^2 pixels decoded would take 900 MB and seconds; refused from the header it takes neither
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 2);
    try {
      for (const request of [raw(fixture(file), type), upload('image', fixture(file), file)]) {
        const r = await send(server.url, request);
        expectProblem(r, 413, 'too_many_pixels');
        expect(r.ms).toBeLessThan(1_000);
      }
    } finally {
      clearInterval(sampler);
    }
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    expect((rssPeak - rssBefore) / 2 ** 20).toBeLessThan(100);
    await expectStillServes();
  });
});

describe('animated images', () => {
  it.each(['gif', 'webp'])('answers an animated %s with its first frame, exactly as that frame alone', async (format) => {
    const type = `image/${format}`;
    const answers = await Promise.all(
      [`animated.${format}`, `frame0.${format}`, `frame1.${format}`].map(async (file) => {
        const r = await send(server.url, raw(fixture(file), type));
        expect(r.status, describeAnswer(r)).toBe(200);
        return bodyJson(r as Answer).probabilities as number[];
      }),
    );
    const [animated, first, second] = answers;
    expect(animated).toEqual(first);
    // the frames differ, so this also proves the answer is not the second frame's
    expect(animated).not.toEqual(second);
    await expectStillServes();
  });
});

describe('batches with bad items', () => {
  it('answers every good file and gives each bad one its own error', async () => {
    const m = multipart([
      { name: 'images', filename: 'good-1.png', data: digit() },
      { name: 'images', filename: 'text.txt', data: fixture('text.txt') },
      { name: 'images', filename: 'bomb.png', data: fixture('bomb.png') },
      { name: 'images', filename: 'big.png', data: padTo(digit(), MAX_FILE_BYTES + 1) },
    ]);
    const r = await send(server.url, raw(m.body, m.contentType, '/predict/batch'));
    expect(r.status, describeAnswer(r)).toBe(200);
    const body = bodyJson(r as Answer);
    expect(body.count).toBe(4);
    const [good, text, bomb, big] = body.results;
    const { model: _model, ...prediction } = baseline as Record<string, unknown>;
    expect(good).toMatchObject(prediction);
    expect(text.error).toMatchObject({ status: 400, code: 'invalid_image' });
    expect(bomb.error).toMatchObject({ status: 413, code: 'too_many_pixels' });
    expect(big.error).toMatchObject({ status: 413, code: 'image_too_large' });
    await expectStillServes();
  });

  it('answers every good JSON input and gives each bad one its own error', async () => {
    const good = { pixels: Array.from({ length: 784 }, (_, i) => (i % 28 === 14 ? 1 : 0)) }; // a vertical stroke
    const inputs = [good, JSON.parse(fixture('strings.json').toString()), { pixels: [[[]]] }, good];
    const r = await send(server.url, json(JSON.stringify({ inputs }), '/predict/batch'));
    expect(r.status, describeAnswer(r)).toBe(200);
    const results = bodyJson(r as Answer).results;
    expect(results.map((x: { error?: { code: string } }) => x.error?.code ?? 'ok')).toEqual(['ok', 'invalid_input', 'invalid_input', 'ok']);
    expect(results[0].probabilities).toEqual(results[3].probabilities);
    await expectStillServes();
  });
});
