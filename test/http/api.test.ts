/** The HTTP contract on a real listening server: inputs, answers, and one error format. */
import sharp from 'sharp';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemSchema } from '../../src/http/problem.js';
import { BatchResponse, PredictResponse } from '../../src/routes/schemas.js';
import { toyDigitModel } from '../support/models.js';
import { startServer, type RunningServer } from '../support/server.js';
import { strokePixels } from '../support/pixels.js';

let server: RunningServer;
let png: Buffer;

beforeAll(async () => {
  server = await startServer({ MAX_BATCH_FILES: '4', MAX_FILE_BYTES: '20000' }, { model: toyDigitModel() });
  const pixels = Buffer.alloc(784);
  for (let r = 6; r < 22; r++) pixels[r * 28 + 14] = 255;
  png = await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } })
    .png()
    .toBuffer();
});
afterAll(() => server?.close());

const api = () => request(server.url);

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, type: `urn:digit-serve:problem:${code}` });
  expect(typeof res.body.title).toBe('string');
}

describe('POST /predict', () => {
  it('answers a class, its confidence, ten probabilities summing to 1, and the model', async () => {
    const res = await api().post('/predict').attach('image', png, 'one.png').expect(200);
    expect(res.body.probabilities).toHaveLength(10);
    expect(res.body.probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5);
    expect(res.body.confidence).toBe(Math.max(...res.body.probabilities));
    expect(res.body.prediction).toBe(res.body.probabilities.indexOf(res.body.confidence));
    expect(res.body.model).toEqual({ name: 'toy', version: '000000000000', sha256: '0'.repeat(64) });
  });

  it('accepts a raw image body with any image/* type and octet-stream', async () => {
    const multipart = await api().post('/predict').attach('image', png, 'one.png');
    for (const type of ['image/png', 'image/jpeg', 'application/octet-stream']) {
      const res = await api().post('/predict').set('content-type', type).send(png).expect(200);
      expect(res.body.probabilities).toEqual(multipart.body.probabilities);
    }
  });

  it('answers 400 missing_image when the file field has another name, and says which', async () => {
    const res = await api().post('/predict').attach('file', png, 'one.png');
    expectProblem(res, 400, 'missing_image');
    expect(res.body.detail).toContain("'file'");
  });

  it('answers 400 missing_image for a multipart body without a file', async () => {
    expectProblem(await api().post('/predict').field('note', 'hello'), 400, 'missing_image');
  });

  it('answers 400 empty_body when nothing is sent', async () => {
    expectProblem(await api().post('/predict'), 400, 'empty_body');
  });

  it('answers 415 for a content type it does not take', async () => {
    expectProblem(await api().post('/predict').set('content-type', 'text/plain').send('seven'), 415, 'unsupported_media_type');
  });

  it('answers 400 invalid_image for text sent as an image', async () => {
    expectProblem(await api().post('/predict').attach('image', Buffer.from('not an image'), 'x.png'), 400, 'invalid_image');
  });

  it('answers 413 image_too_large for a file over the byte limit', async () => {
    const res = await api().post('/predict').attach('image', Buffer.alloc(30_000, 1), 'big.png');
    expectProblem(res, 413, 'image_too_large');
  });

  it('answers 400 invalid_json for a malformed JSON body', async () => {
    expectProblem(await api().post('/predict').set('content-type', 'application/json').send('{"pixels": [0,'), 400, 'invalid_json');
  });

  it.each([
    ['too few pixels', { pixels: [0, 1] }],
    ['pixels out of range', { pixels: new Array(784).fill(2) }],
    ['strings', { pixels: new Array(784).fill('0.5') }],
    ['an unknown key', { pixels: new Array(784).fill(0), extra: 1 }],
    ['nested garbage', { pixels: [[[]]] }],
  ])('answers 400 invalid_input for JSON with %s', async (_what, body) => {
    expectProblem(await api().post('/predict').send(body), 400, 'invalid_input');
  });

  it('gives the same answer for 784 pixels as for the PNG they come from', async () => {
    // the stroke the PNG holds
    const pixels = strokePixels();
    const fromJson = await api().post('/predict').send({ pixels }).expect(200);
    const fromPng = await api().post('/predict').attach('image', png, 'one.png').expect(200);
    expect(fromJson.body.probabilities).toEqual(fromPng.body.probabilities);
  });
});

describe('answers against their schemas', () => {
  /** parse strips unknown keys and fails on missing or mistyped ones: equal means exactly the schema */
  const expectExactly = (schema: { parse(v: unknown): unknown }, body: unknown) => expect(schema.parse(body)).toEqual(body);

  it('/predict and /predict/batch answers, with and without debug, and their problems, are exactly what the schemas say', async () => {
    expectExactly(PredictResponse, (await api().post('/predict').attach('image', png, 'a.png').expect(200)).body);
    expectExactly(PredictResponse, (await api().post('/predict?debug=1').attach('image', png, 'a.png').expect(200)).body);
    expectExactly(ProblemSchema, (await api().post('/predict').attach('image', Buffer.from('x'), 'a.png').expect(400)).body);
    for (const query of ['', '?debug=1']) {
      const batch = await api()
        .post(`/predict/batch${query}`)
        .attach('images', png, 'a.png')
        .attach('images', Buffer.from('garbage'), 'b.png')
        .expect(200);
      expectExactly(BatchResponse, batch.body);
    }
    expectExactly(ProblemSchema, (await api().post('/predict/batch').send({ inputs: [] }).expect(400)).body);
  });
});

describe('POST /predict/batch', () => {
  it('answers each image in input order, the bad one with its own error', async () => {
    const res = await api()
      .post('/predict/batch')
      .attach('images', png, 'a.png')
      .attach('images', Buffer.from('garbage'), 'b.png')
      .attach('images', png, 'c.png')
      .expect(200);
    expect(res.body.count).toBe(3);
    const [a, b, c] = res.body.results;
    expect(a.probabilities).toEqual(c.probabilities);
    expect(b.error).toMatchObject({ status: 400, code: 'invalid_image' });
    expect(a.model.name).toBe('toy');
  });

  it('answers a file over the byte limit as that item’s error only', async () => {
    const res = await api()
      .post('/predict/batch')
      .attach('images', Buffer.alloc(30_000, 1), 'big.png')
      .attach('images', png, 'a.png')
      .expect(200);
    expect(res.body.results[0].error.code).toBe('image_too_large');
    expect(res.body.results[1].prediction).toBeTypeOf('number');
  });

  it('answers JSON inputs, with per-item validation', async () => {
    const good = { pixels: strokePixels() };
    const res = await api()
      .post('/predict/batch')
      .send({ inputs: [good, { pixels: [1] }, good] })
      .expect(200);
    expect(res.body.results[1].error.code).toBe('invalid_input');
    expect(res.body.results[0].probabilities).toEqual(res.body.results[2].probabilities);
  });

  it('gives the same probabilities in a batch as one by one', async () => {
    const one = await api().post('/predict').attach('image', png, 'a.png');
    const many = await api().post('/predict/batch').attach('images', png, 'a.png').attach('images', png, 'b.png');
    expect(many.body.results[1].probabilities).toEqual(one.body.probabilities);
  });

  it('answers 413 too_many_images over the batch count limit (multipart and JSON)', async () => {
    let req = api().post('/predict/batch');
    for (let i = 0; i < 5; i++) req = req.attach('images', png, `${i}.png`);
    expectProblem(await req, 413, 'too_many_images');
    const inputs = new Array(5).fill({ pixels: new Array(784).fill(0) });
    expectProblem(await api().post('/predict/batch').send({ inputs }), 413, 'too_many_images');
  });

  it('answers 400 missing_image when no file is named images', async () => {
    expectProblem(await api().post('/predict/batch').attach('image', png, 'a.png'), 400, 'missing_image');
  });

  it('answers 400 invalid_input for an empty JSON batch', async () => {
    expectProblem(await api().post('/predict/batch').send({ inputs: [] }), 400, 'invalid_input');
  });
});

describe('health, eval and the rest', () => {
  it('is live and ready, and names the model when ready', async () => {
    await api().get('/health/live').expect(200, { status: 'ok' });
    const res = await api().get('/health/ready').expect(200);
    expect(res.body).toEqual({ status: 'ready', model: { name: 'toy', version: '000000000000', sha256: '0'.repeat(64) } });
  });

  it('answers 503 eval_unavailable when no labelled set is configured', async () => {
    expectProblem(await api().get('/eval'), 503, 'eval_unavailable');
  });

  it('answers a query the route schema refuses with 400 invalid_input, worded as every zod failure, with the value given', async () => {
    const res = await api().get('/eval?refresh=maybe');
    expectProblem(res, 400, 'invalid_input');
    expect(res.body.detail).toBe('refresh: Invalid option: expected one of "1"|"true"|"0"|"false" (got "maybe")');
  });

  it('answers unknown routes with a 404 problem', async () => {
    expectProblem(await api().get('/nope'), 404, 'not_found');
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const mine = await api().get('/health/live').set('x-request-id', 'abc-123');
    expect(mine.headers['x-request-id']).toBe('abc-123');
    const bad = await api().get('/health/live').set('x-request-id', 'bad id with spaces');
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
