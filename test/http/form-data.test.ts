/**
 * Multipart bodies read whole (src/http/form-data.ts) against the same bodies streamed by
 * @fastify/multipart: the parser alone (what it reads, what it leaves to busboy), then two real
 * servers, one reading small forms whole and one streaming every form, which must answer
 * every body alike, good, odd or broken.
 */
import { Agent } from 'node:http';
import { connect } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundaryOf, parsePlainForm, type FormLimits } from '../../src/http/form-data.js';
import { prng } from '../hostile/support/fixtures.js';
import { describeAnswer, isAnswer, multipart, send, type Answer, type Part } from '../hostile/support/http.js';
import { toyDigitModel } from '../support/models.js';
import { startServer, type RunningServer } from '../support/server.js';

const LIMITS: FormLimits = { parts: 6, files: 4, fields: 2, fieldBytes: 16, fileBytes: 4000 };
const BOUNDARY = 'hostile-boundary-7f3a9c';
const bytesOf = (text: string) => Buffer.from(text, 'latin1');
/** A body in the helper's plain shape with `edit` applied to its text (latin1, so bytes survive). */
const edited = (parts: Part[], edit: (text: string) => string) => bytesOf(edit(multipart(parts).body.toString('latin1')));

// at load time: the cases below are built when the tests are collected
const stroke = Buffer.alloc(784);
for (let r = 5; r < 23; r++) for (let c = 12; c < 16; c++) stroke[r * 28 + c] = 255;
const png = await sharp(stroke, { raw: { width: 28, height: 28, channels: 1 } })
  .png()
  .toBuffer();

const image = (name = 'image', filename = 'a.png'): Part => ({ name, filename, contentType: 'image/png', data: png });

/** Bodies of shapes the parser leaves to busboy, each named by what makes it so (LIMITS for the limits). */
const declined: Record<string, Buffer> = {
  'a preamble': Buffer.concat([bytesOf('preamble\r\n'), multipart([image()]).body]),
  'padding after a boundary': edited([image()], (t) => t.replace(`--${BOUNDARY}\r\n`, `--${BOUNDARY}  \r\n`)),
  'a folded header': edited([image()], (t) => t.replace('; filename=', ';\r\n filename=')),
  'an unknown part header': edited([image()], (t) => t.replace('Content-Type:', 'Content-Transfer-Encoding: binary\r\nContent-Type:')),
  'a repeated header': edited([image()], (t) => t.replace('Content-Type: image/png', 'Content-Type: image/png\r\nContent-Type: image/png')),
  'a content type with parameters': edited([image()], (t) => t.replace('image/png', 'image/png; q=1')),
  'filename*': edited([image()], (t) => t.replace('filename="a.png"', "filename*=UTF-8''a.png")),
  'an unknown parameter': edited([image()], (t) => t.replace('; filename=', '; size=3; filename=')),
  'an escaped quote': edited([image()], (t) => t.replace('filename="a.png"', 'filename="a\\".png"')),
  'a path in the filename': multipart([image('image', 'photos/a.png')]).body,
  'bytes outside ASCII in a header': multipart([image('image', 'ü.png')]).body,
  'no name': edited([image()], (t) => t.replace('name="image"; ', '')),
  'a name reaching Object.prototype': multipart([{ name: '__proto__', data: 'x' }, image()]).body,
  'a field with a content type': edited([{ name: 'debug', data: '1' }], (t) =>
    t.replace('name="debug"\r\n', 'name="debug"\r\nContent-Type: text/plain\r\n'),
  ),
  'a part without headers': edited([image()], (t) => t.replace(/Content-Disposition: [^\r]*\r\nContent-Type: [^\r]*\r\n/, '')),
  'no closing delimiter': edited([image()], (t) => t.slice(0, t.lastIndexOf(`--${BOUNDARY}--`))),
  'no line break after a boundary': edited([image(), image()], (t) => t.replace(`\r\n--${BOUNDARY}\r\n`, `\r\n--${BOUNDARY}X`)),
  'a cut in the headers': multipart([image()]).body.subarray(0, 60),
  'headers ended by the next delimiter': bytesOf(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\n--${BOUNDARY}--\r\n`),
  'too many parts': multipart([image(), image(), image(), { name: 'a', data: '' }, { name: 'b', data: '' }, image(), image()]).body,
  'too many files': multipart([image(), image(), image(), image(), image()]).body,
  'too many fields': multipart([
    { name: 'a', data: '' },
    { name: 'b', data: '' },
    { name: 'c', data: '' },
  ]).body,
  'a field over its size': multipart([{ name: 'a', data: 'x'.repeat(17) }]).body,
  'a file over its size': multipart([{ name: 'image', filename: 'a.png', data: Buffer.alloc(4001) }]).body,
};

describe('boundaryOf', () => {
  it('reads a plain multipart/form-data content type, quoted or not', () => {
    expect(boundaryOf('multipart/form-data; boundary=abc-123')).toBe('abc-123');
    expect(boundaryOf('Multipart/Form-Data;boundary="a b:c"')).toBe('a b:c');
  });

  it('leaves any other content type to @fastify/multipart', () => {
    for (const type of [
      undefined,
      'multipart/form-data',
      'multipart/form-data; boundary=',
      'multipart/form-data; boundary="unterminated',
      'multipart/form-data; charset=utf-8; boundary=x',
      'multipart/form-data; boundary=x; charset=utf-8',
      'multipart/mixed; boundary=x',
      `multipart/form-data; boundary=${'x'.repeat(71)}`,
    ]) {
      expect(boundaryOf(type), String(type)).toBeUndefined();
    }
  });
});

describe('parsePlainForm', () => {
  const parse = (body: Buffer) => parsePlainForm(body, BOUNDARY, LIMITS);

  it('reads fields and files in order, the files as views of the body', () => {
    const { body } = multipart([
      { name: 'preprocess', data: 'plain' },
      image('images', '0.png'),
      { name: 'debug', data: '1' },
      image('other'),
    ]);
    const parts = parse(body)!;
    expect(parts.map((p) => [p.type, p.name])).toEqual([
      ['field', 'preprocess'],
      ['file', 'images'],
      ['field', 'debug'],
      ['file', 'other'],
    ]);
    expect(parts[0]).toMatchObject({ value: 'plain' });
    const file = parts[1]!;
    expect(file.type === 'file' && file.filename).toBe('0.png');
    expect(file.type === 'file' && file.bytes.equals(png)).toBe(true);
    expect(file.type === 'file' && file.bytes.buffer).toBe(body.buffer);
  });

  it('keeps a file whose bytes hold the boundary without its leading line break, and ignores the epilogue', () => {
    const data = Buffer.concat([png, bytesOf(`--${BOUNDARY}\r\n`)]);
    const body = Buffer.concat([multipart([{ name: 'image', filename: 'a.png', data }]).body, bytesOf('epilogue\r\n')]);
    const [file] = parse(body)!;
    expect(file?.type === 'file' && file.bytes.equals(data)).toBe(true);
  });

  it('reads the limits themselves, and an empty form', () => {
    const most = [image(), image(), image(), image(), { name: 'a', data: 'x'.repeat(16) }, { name: 'b', data: '' }];
    expect(parse(multipart(most).body)).toHaveLength(6);
    expect(parse(bytesOf(`--${BOUNDARY}--\r\n`))).toEqual([]);
  });

  it.each(Object.keys(declined))('leaves %s to busboy', (what) => {
    expect(parse(declined[what]!)).toBeUndefined();
  });
});

describe('a form read whole and the same form streamed', () => {
  // small limits, so that bodies of a few kilobytes reach every one of them
  const env = { MAX_BATCH_FILES: '4', MAX_FILE_BYTES: '4000' };
  let whole: RunningServer;
  let streamed: RunningServer;
  beforeAll(async () => {
    whole = await startServer(env, { model: toyDigitModel() });
    streamed = await startServer({ ...env, WHOLE_FORM_BYTES: '0' }, { model: toyDigitModel() });
  });
  afterAll(async () => {
    await whole?.close();
    await streamed?.close();
  });

  /**
   * Status and body, which must be the same from both servers, but for libvips' wording of a
   * decode failure: its message comes from a buffer its threads share, so it varies from call
   * to call whatever the multipart reader (the code and the rest of the problem do not).
   */
  const answer = async (base: string, path: string, body: Buffer) => {
    const r = await send(base, { path, headers: { 'content-type': multipart([]).contentType }, body });
    if (!isAnswer(r)) throw new Error(describeAnswer(r));
    return {
      status: r.status,
      body: JSON.parse(r.body.toString('utf8'), (key, value) =>
        key === 'detail' && /^the \w+ data could not be decoded/.test(value) ? 'not decoded' : value,
      ) as unknown,
    };
  };
  const bothAnswer = async (path: string, body: Buffer) => ({
    whole: await answer(whole.url, path, body),
    streamed: await answer(streamed.url, path, body),
  });

  const plain: Record<string, [string, Part[]]> = {
    'one image': ['/predict', [image()]],
    'an image and option fields': ['/predict', [{ name: 'preprocess', data: 'plain' }, image(), { name: 'debug', data: '1' }]],
    'a batch with a stray file and a field': [
      '/predict/batch',
      [image('images'), image('pictures'), { name: 'debug', data: 'true' }, image('images')],
    ],
    'no image, only a stray file': ['/predict', [image('picture')]],
    'two images on /predict': ['/predict', [image(), image()]],
    'a broken image in a batch': ['/predict/batch', [image('images'), { name: 'images', filename: 'b.png', data: 'not a png' }]],
    'an unknown option value': ['/predict', [{ name: 'preprocess', data: 'sideways' }, image()]],
  };

  it.each(Object.keys(plain))('answers %s alike', async (what) => {
    const [path, parts] = plain[what]!;
    const { body } = multipart(parts);
    expect(parsePlainForm(body, BOUNDARY, LIMITS), 'the parser reads it whole').toBeDefined();
    const { whole: a, streamed: b } = await bothAnswer(path, body);
    expect(a).toEqual(b);
  });

  it('answers every body the parser leaves to busboy alike, read after being put back', async () => {
    // the shapes above, and the servers' own limits (20 fields of 1,024 bytes, 4 files of 4,000 bytes)
    const bodies = Object.entries({
      ...declined,
      'a field with a charset': edited([{ name: 'debug', data: '1' }, image()], (t) =>
        t.replace('name="debug"\r\n', 'name="debug"\r\nContent-Type: text/plain; charset=utf-8\r\n'),
      ),
      'too many files in a batch': multipart([image('images'), image('images'), image('images'), image('images'), image('images')]).body,
      'too many fields': multipart([...Array.from({ length: 21 }, (_, i) => ({ name: `f${i}`, data: '' })), image()]).body,
      'a long field': multipart([{ name: 'preprocess', data: 'plain'.repeat(300) }, image()]).body,
      'a large file in a batch': multipart([image('images'), { name: 'images', filename: 'big.png', data: Buffer.alloc(4001) }]).body,
    });
    for (const [what, body] of bodies) {
      const { whole: a, streamed: b } = await bothAnswer('/predict/batch', body);
      expect(a, what).toEqual(b);
      const single = await bothAnswer('/predict', body);
      expect(single.whole, what).toEqual(single.streamed);
    }
  });

  it('answers broken and mutated bodies alike', async () => {
    const r = prng(7);
    const int = (n: number) => Math.floor(r() * n);
    const { body } = multipart([{ name: 'debug', data: '0' }, image('images', '0.png'), image('images', '1.png')]);
    for (let n = 0; n < 300; n++) {
      const out = Buffer.from(body);
      const how = int(4);
      let bytes: Buffer;
      if (how === 0) bytes = out.subarray(0, 1 + int(out.length - 1));
      else if (how === 1) {
        for (let k = 1 + int(4); k > 0; k--) out[int(out.length)] ^= 1 << int(8);
        bytes = out;
      } else if (how === 2) {
        const at = int(out.length);
        bytes = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + int(8))]);
      } else {
        // the framing bytes: the delimiters, the headers' line breaks and quotes
        const text = out.toString('latin1');
        const marks = [...text.matchAll(/\r\n|--|"|;|:/g)].map((m) => m.index);
        const at = marks[int(marks.length)]!;
        bytes = bytesOf(text.slice(0, at) + ['', ' ', '\r\n', 'x', '"'][int(5)]! + text.slice(at + 1));
      }
      const { whole: a, streamed: b } = await bothAnswer('/predict/batch', bytes);
      expect(a, `mutation ${n} (${how})`).toEqual(b);
    }
  });

  it('keeps a kept-alive connection serving after forms read whole, put back, or refused', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const bodies = [
        multipart([image()]).body,
        Buffer.concat([bytesOf('preamble\r\n'), multipart([image()]).body]),
        multipart([image()]).body.subarray(0, 100),
        multipart([image()]).body,
      ];
      const statuses: number[] = [];
      for (const body of bodies) {
        const r = await send(whole.url, { path: '/predict', headers: { 'content-type': multipart([]).contentType }, body, agent });
        expect(isAnswer(r), describeAnswer(r)).toBe(true);
        statuses.push((r as Answer).status);
      }
      expect(statuses).toEqual([200, 200, 400, 200]);
    } finally {
      agent.destroy();
    }
  });

  it('lets go of a form whose client leaves before sending all of it, and goes on serving', async () => {
    const { body, contentType } = multipart([image()]);
    const url = new URL(whole.url);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(`POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`);
        socket.write(body.subarray(0, body.length / 2));
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
      socket.on('error', () => undefined);
    });
    const { whole: a } = await bothAnswer('/predict', body);
    expect(a.status).toBe(200);
  });
});
