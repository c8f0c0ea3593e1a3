/** Real uploads through the routes: preprocessing modes, debug output, base64 JSON, no digit. */
import sharp from 'sharp';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toyDigitModel } from '../support/models.js';
import { startServer, type RunningServer } from '../support/server.js';

let server: RunningServer;
let mnistLike: Buffer; // 28x28, white stroke on black
let paper: Buffer; // 280x280, dark stroke on light paper
let blank: Buffer; // 280x280 plain white

beforeAll(async () => {
  server = await startServer({}, { model: toyDigitModel() });
  const small = Buffer.alloc(784);
  for (let r = 5; r < 23; r++) for (let c = 12; c < 16; c++) small[r * 28 + c] = 255;
  mnistLike = await sharp(small, { raw: { width: 28, height: 28, channels: 1 } })
    .png()
    .toBuffer();
  const big = Buffer.alloc(280 * 280, 235);
  for (let r = 60; r < 220; r++) for (let c = 120; c < 150; c++) big[r * 280 + c] = 20;
  paper = await sharp(big, { raw: { width: 280, height: 280, channels: 1 } })
    .jpeg({ quality: 90 })
    .toBuffer();
  blank = await sharp({ create: { width: 280, height: 280, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer();
});
afterAll(() => server?.close());

const api = () => request(server.url);

describe('preprocessing through /predict', () => {
  it('with debug=1 shows the 28x28 input as numbers and as a PNG data URL, plain for an MNIST-like file', async () => {
    const res = await api().post('/predict?debug=1').attach('image', mnistLike, 'a.png').expect(200);
    expect(res.body.debug.mode).toBe('plain');
    expect(res.body.debug.tensor).toHaveLength(784);
    expect(res.body.debug.tensor[5 * 28 + 12]).toBe(1);
    expect(res.body.debug.png).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(res.body.debug.png.split(',')[1], 'base64');
    expect(await sharp(png).metadata()).toMatchObject({ width: 28, height: 28 });
  });

  it('normalises a photo of dark ink on paper (mode mnist): ink bright, background black, centred', async () => {
    const res = await api().post('/predict?debug=1').attach('image', paper, 'photo.jpg').expect(200);
    expect(res.body.debug.mode).toBe('mnist');
    const t: number[] = res.body.debug.tensor;
    expect(t[0]).toBe(0);
    expect(t[14 * 28 + 14]).toBeGreaterThan(0.5);
  });

  it('takes preprocess from the query or from a multipart field', async () => {
    const q = await api().post('/predict?debug=1&preprocess=plain').attach('image', paper, 'photo.jpg').expect(200);
    expect(q.body.debug.mode).toBe('plain');
    const f = await api().post('/predict').field('preprocess', 'plain').field('debug', '1').attach('image', paper, 'photo.jpg').expect(200);
    expect(f.body.debug.mode).toBe('plain');
    expect(f.body.probabilities).toEqual(q.body.probabilities);
  });

  it('answers 400 invalid_input for an unknown option, in the query or a field, naming it and the value given', async () => {
    const res = await api().post('/predict?preprocess=magic').attach('image', paper, 'photo.jpg');
    expect([res.status, res.body.code]).toEqual([400, 'invalid_input']);
    expect(res.body.detail).toMatch(/^preprocess: Invalid option: expected one of .* \(got "magic"\)$/);
    const field = await api().post('/predict').field('debug', 'yes').attach('image', paper, 'photo.jpg');
    expect([field.status, field.body.code]).toEqual([400, 'invalid_input']);
    expect(field.body.detail).toMatch(/^debug: Invalid option: expected one of "1"\|"true"\|"0"\|"false" \(got "yes"\)$/);
  });

  it('takes 1, true, 0 and false for debug, in the query or a field (a field wins)', async () => {
    for (const [query, field, shown] of [
      ['true', undefined, true],
      ['0', undefined, false],
      ['1', 'false', false],
      [undefined, '1', true],
    ] as const) {
      const req = api().post(`/predict${query === undefined ? '' : `?debug=${query}`}`);
      const res = await (field === undefined ? req : req.field('debug', field)).attach('image', paper, 'photo.jpg').expect(200);
      expect(res.body.debug !== undefined, `query ${query}, field ${field}`).toBe(shown);
    }
  });

  it('answers 422 no_digit for a blank image instead of a class', async () => {
    const res = await api().post('/predict').attach('image', blank, 'blank.png');
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('no_digit');
    expect(res.body.prediction).toBeUndefined();
  });

  it('accepts a base64 image in JSON and answers like the same file uploaded', async () => {
    const json = await api()
      .post('/predict')
      .send({ image: paper.toString('base64') })
      .expect(200);
    const upload = await api().post('/predict').attach('image', paper, 'photo.jpg').expect(200);
    expect(json.body.probabilities).toEqual(upload.body.probabilities);
    const bad = await api().post('/predict').send({ image: 'not base64 !!' });
    expect([bad.status, bad.body.code]).toEqual([400, 'invalid_input']);
  });

  it('reports a blank item of a batch as its own no_digit error', async () => {
    const res = await api()
      .post('/predict/batch?debug=1')
      .attach('images', paper, 'a.jpg')
      .attach('images', blank, 'b.png')
      .attach('images', mnistLike, 'c.png')
      .expect(200);
    const [a, b, c] = res.body.results;
    expect(a.debug.mode).toBe('mnist');
    expect(b.error.code).toBe('no_digit');
    expect(c.debug.mode).toBe('plain');
  });
});
