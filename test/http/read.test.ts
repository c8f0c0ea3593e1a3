/**
 * POST /read and /read/batch on a real listening server with the shipped weights: pictures of
 * numbers written with MNIST test digits read left to right, boxes in the uploaded picture's
 * upright pixels, one-digit pictures read as /predict reads them, and every refusal a problem.
 */
import sharp from 'sharp';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemSchema } from '../../src/http/problem.js';
import { ReadBatchResponse, ReadResponse } from '../../src/routes/read.js';
import { PredictResponse } from '../../src/routes/schemas.js';
import type { MnistSplit } from '../../src/data/idx.js';
import { digitPng, loadTestSet } from '../support/mnist.js';
import { startServer, type RunningServer } from '../support/server.js';
import { hasSharedData, warnIfSharedDataMissing } from '../support/shared-data.js';

warnIfSharedDataMissing('the /read tests on numbers written with MNIST test digits (test/http/read.test.ts)');

let server: RunningServer;
let set: MnistSplit;
const api = () => request(server.url);

interface Written {
  readonly bytes: Buffer;
  /** the tight box of each digit's ink (level 48 and up of its enlarged 28x28 picture), in the picture's pixels */
  readonly boxes: { x: number; y: number; width: number; height: number }[];
}

/**
 * MNIST test digits enlarged to `side` px, written dark on light paper side by side at `xs`,
 * `top` down, as one grey picture of width x height.
 */
async function writeNumber(
  indices: readonly number[],
  xs: readonly number[],
  width: number,
  height: number,
  side = 200,
  top = 100,
): Promise<{ raw: Buffer; boxes: Written['boxes'] }> {
  const paper = Buffer.alloc(width * height, 235);
  const boxes: Written['boxes'] = [];
  for (const [k, index] of indices.entries()) {
    const digit = await sharp(await digitPng(set, index))
      .resize(side, side)
      .greyscale()
      .raw()
      .toBuffer();
    let [x0, y0, x1, y1] = [side, side, -1, -1];
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const v = digit[y * side + x]!;
        const p = (top + y) * width + xs[k]! + x;
        paper[p] = Math.min(paper[p]!, Math.round(235 - (v * 205) / 255));
        if (v >= 48) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      }
    }
    boxes.push({ x: xs[k]! + x0, y: top + y0, width: x1 - x0 + 1, height: y1 - y0 + 1 });
  }
  return { raw: paper, boxes };
}

/** Intersection over union of two boxes. */
function iou(a: Written['boxes'][number], b: Written['boxes'][number]): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  const inter = Math.max(0, w) * Math.max(0, h);
  return inter / (a.width * a.height + b.width * b.height - inter);
}

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(ProblemSchema.parse(res.body)).toMatchObject({ status, code });
}

/** The picture: test digits 0-3 (7, 2, 1, 0), 1,100 x 420, a JPEG. */
let number7210: Written;
let blank: Buffer;

beforeAll(async () => {
  server = await startServer({ MAX_READ_DIGITS: '6' });
  blank = await sharp({ create: { width: 600, height: 200, channels: 3, background: '#f0f0ee' } })
    .jpeg()
    .toBuffer();
  if (!hasSharedData) return;
  set = await loadTestSet();
  const { raw, boxes } = await writeNumber([0, 1, 2, 3], [120, 340, 560, 780], 1100, 420);
  number7210 = {
    bytes: await sharp(raw, { raw: { width: 1100, height: 420, channels: 1 } })
      .jpeg({ quality: 90 })
      .toBuffer(),
    boxes,
  };
});
afterAll(() => server?.close());

describe.skipIf(!hasSharedData)('POST /read with the shipped weights', () => {
  it('reads "7210" from a photo of four test digits, with each digit\'s box in the uploaded picture\'s pixels', async () => {
    const res = await api().post('/read').attach('image', number7210.bytes, 'number.jpg').expect(200);
    const body = ReadResponse.parse(res.body);
    expect(body.text).toBe('7210');
    expect(body.image).toEqual({ width: 1100, height: 420 });
    expect(body.digits.map((d) => d.prediction)).toEqual([7, 2, 1, 0]);
    expect(body.confidence).toBeCloseTo(
      body.digits.reduce((p, d) => p * d.confidence, 1),
      12,
    );
    body.digits.forEach((d, k) => {
      expect(d.probabilities).toHaveLength(10);
      expect(d.confidence).toBe(Math.max(...d.probabilities));
      expect(iou(d.box, number7210.boxes[k]!), `digit ${k}`).toBeGreaterThan(0.8);
    });
    expect(body.model.name).toBe('digit-serve-mlp');
  });

  it('answers the same for a raw body, base64 JSON and a data URL', async () => {
    const multipart = (await api().post('/read').attach('image', number7210.bytes, 'number.jpg').expect(200)).body;
    const raw = await api().post('/read').set('content-type', 'image/jpeg').send(number7210.bytes).expect(200);
    const b64 = await api()
      .post('/read')
      .send({ image: number7210.bytes.toString('base64') })
      .expect(200);
    const url = await api()
      .post('/read')
      .send({ image: `data:image/jpeg;base64,${number7210.bytes.toString('base64')}` })
      .expect(200);
    for (const res of [raw, b64, url]) expect(res.body).toEqual(multipart);
  });

  it('gives boxes in the upright picture for a photo stored sideways with an EXIF orientation', async () => {
    const upright = (await api().post('/read').attach('image', number7210.bytes, 'number.jpg').expect(200)).body;
    // stored turned a quarter anticlockwise, tagged to be shown turned a quarter clockwise (orientation 6)
    const sideways = await sharp(number7210.bytes).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(sideways).metadata()).orientation).toBe(6);
    const res = await api().post('/read').attach('image', sideways, 'sideways.jpg').expect(200);
    expect(res.body.text).toBe('7210');
    expect(res.body.image).toEqual({ width: 1100, height: 420 });
    res.body.digits.forEach((d: { box: Written['boxes'][number] }, k: number) =>
      expect(iou(d.box, upright.digits[k].box)).toBeGreaterThan(0.9),
    );
  });

  it('reads a one-digit picture as /predict reads it, and /predict counts one digit without a warning', async () => {
    for (const index of [4, 7, 11, 18]) {
      const { raw } = await writeNumber([index], [150], 500, 400);
      const picture = await sharp(raw, { raw: { width: 500, height: 400, channels: 1 } })
        .png()
        .toBuffer();
      const predicted = PredictResponse.parse((await api().post('/predict').attach('image', picture, 'one.png').expect(200)).body);
      const read = ReadResponse.parse((await api().post('/read').attach('image', picture, 'one.png').expect(200)).body);
      expect(read.text).toBe(String(predicted.prediction));
      expect(read.digits).toHaveLength(1);
      // read from /predict's own input: the same probabilities to the bit
      expect(read.digits[0]!.probabilities).toEqual(predicted.probabilities);
      expect(predicted.digitsFound).toBe(1);
      expect(predicted.warning).toBeUndefined();
    }
  });

  it('makes /predict on a picture of a number say how many digits it holds, with a warning pointing to /read', async () => {
    const res = await api().post('/predict').attach('image', number7210.bytes, 'number.jpg').expect(200);
    const body = PredictResponse.parse(res.body);
    expect(body.digitsFound).toBe(4);
    expect(body.warning).toMatch(/4 digits.*\/read/);
  });

  it('answers 422 several_lines for two numbers one above the other, with the count', async () => {
    const [width, height] = [900, 560];
    const top = await writeNumber([0, 1, 2], [100, 340, 580], width, height, 180, 40);
    const bottom = await writeNumber([3, 4, 5], [100, 340, 580], width, height, 180, 320);
    const both = Buffer.from(top.raw.map((v, i) => Math.min(v, bottom.raw[i]!)));
    const picture = await sharp(both, { raw: { width, height, channels: 1 } })
      .png()
      .toBuffer();
    const res = await api().post('/read').attach('image', picture, 'two-lines.png');
    expectProblem(res, 422, 'several_lines');
    expect(res.body.lines).toBe(2);
  });

  it('answers 422 too_many_digits past MAX_READ_DIGITS, with the limit', async () => {
    const { raw } = await writeNumber([0, 1, 2, 3, 4, 5, 6], [40, 190, 340, 490, 640, 790, 940], 1100, 300, 140, 80);
    const picture = await sharp(raw, { raw: { width: 1100, height: 300, channels: 1 } })
      .png()
      .toBuffer();
    const res = await api().post('/read').attach('image', picture, 'long.png');
    expectProblem(res, 422, 'too_many_digits');
    expect(res.body).toMatchObject({ digits: 7, maxReadDigits: 6 });
  });

  it('reads a batch in input order, each bad picture its own problem, each answer as /read gives it alone', async () => {
    const text = Buffer.from('not a picture');
    const res = await api()
      .post('/read/batch')
      .attach('images', number7210.bytes, 'a.jpg')
      .attach('images', blank, 'blank.jpg')
      .attach('images', text, 'c.png')
      .attach('images', number7210.bytes, 'd.jpg')
      .expect(200);
    const body = ReadBatchResponse.parse(res.body);
    expect(body.count).toBe(4);
    const alone = (await api().post('/read').attach('image', number7210.bytes, 'a.jpg').expect(200)).body;
    expect(body.results[0]).toEqual(alone);
    expect(body.results[3]).toEqual(alone);
    expect(body.results[1]).toMatchObject({ error: { code: 'no_digit', status: 422 } });
    expect(body.results[2]).toMatchObject({ error: { code: 'invalid_image', status: 400 } });
  });

  it('counts the digits read per picture and the pictures refused in /metrics', async () => {
    const before = (await api().get('/metrics').expect(200)).text;
    await api().post('/read').attach('image', number7210.bytes, 'number.jpg').expect(200);
    await api().post('/read').attach('image', blank, 'blank.jpg').expect(422);
    const after = (await api().get('/metrics').expect(200)).text;
    const value = (text: string, series: string) => Number(text.match(new RegExp(`^${series} (\\S+)$`, 'm'))?.[1] ?? 0);
    expect(value(after, 'digit_serve_read_digits_count') - value(before, 'digit_serve_read_digits_count')).toBe(1);
    expect(value(after, 'digit_serve_read_digits_sum') - value(before, 'digit_serve_read_digits_sum')).toBe(4);
    // counted under the model that read the picture
    const noDigit = 'digit_serve_input_failures_total\\{code="no_digit",model="digit-serve-mlp",version="[0-9a-f]{12}"\\}';
    expect(value(after, noDigit) - value(before, noDigit)).toBe(1);
  });
});

describe('POST /read refusals', () => {
  it('answers 422 no_digit for blank paper, alone and in a batch', async () => {
    expectProblem(await api().post('/read').attach('image', blank, 'blank.jpg'), 422, 'no_digit');
  });

  it('answers 400 invalid_input for 784 pixels, pointing to /predict', async () => {
    const res = await api()
      .post('/read')
      .send({ pixels: new Array(784).fill(0) });
    expectProblem(res, 400, 'invalid_input');
    expect(res.body.detail).toContain('/predict');
  });

  it('answers 400 for an undecodable picture, a data URL that is not base64 or not a picture, and an empty file', async () => {
    expectProblem(await api().post('/read').attach('image', Buffer.from('hello'), 'x.png'), 400, 'invalid_image');
    expectProblem(await api().post('/read').send({ image: 'data:image/png;base64,%%%' }), 400, 'invalid_input');
    expectProblem(await api().post('/read').send({ image: 'data:text/plain;base64,aGVsbG8=' }), 400, 'invalid_input');
    expectProblem(await api().post('/read').set('content-type', 'image/png').send(Buffer.alloc(0)), 400, 'missing_image');
  });

  it('answers 413 too_many_images past MAX_BATCH_FILES and 422 extreme_aspect_ratio for a strip', async () => {
    const strip = await sharp({ create: { width: 3400, height: 100, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    expectProblem(await api().post('/read').attach('image', strip, 'strip.png'), 422, 'extreme_aspect_ratio');
    const many = { inputs: Array.from({ length: 257 }, () => ({ image: blank.toString('base64') })) };
    expectProblem(await api().post('/read/batch').send(many), 413, 'too_many_images');
  });

  it('is in the OpenAPI document with its request encodings and problems', async () => {
    const doc = (await api().get('/openapi.json').expect(200)).body;
    for (const path of ['/read', '/read/batch']) expect(doc.paths[path]?.post, path).toBeDefined();
    expect(Object.keys(doc.paths['/read'].post.requestBody.content)).toEqual(
      expect.arrayContaining(['multipart/form-data', 'image/*', 'application/json']),
    );
    const codes = JSON.stringify(doc.paths['/read'].post.responses['422']);
    for (const code of ['no_digit', 'several_lines', 'too_many_digits']) expect(codes).toContain(code);
  });
});
