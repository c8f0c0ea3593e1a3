/**
 * Refusals that say what to do: the methods a path answers, the bodies a route reads (with the
 * curl line), the limit a body ran into and the setting that raises it, a format to send
 * instead, decoding failures in our words, and what was found when no digit was.
 */
import sharp from 'sharp';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seven, strokes } from '../preprocess/drawing.js';
import { toyDigitModel } from '../support/models.js';
import { startServer, type RunningServer } from '../support/server.js';

let server: RunningServer;
let digit: Buffer;

beforeAll(async () => {
  server = await startServer({ MAX_FILE_BYTES: '20000', MAX_JSON_BYTES: '30000' }, { model: toyDigitModel() });
  digit = await greyPng(strokes(28, 28, [[14, 5, 14, 22]], 1.5), 28, 28);
});
afterAll(() => server?.close());

const api = () => request(server.url);

/** White ink levels on black, as a grey PNG: dark ink on white paper when `onWhite`. */
function greyPng(ink: Uint8Array, width: number, height: number, onWhite = false): Promise<Buffer> {
  const levels = onWhite ? ink.map((v) => 255 - v) : ink;
  return sharp(Buffer.from(levels), { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
}

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code });
}

describe('a method a path does not answer', () => {
  it('is 405 with Allow naming the methods it does answer', async () => {
    for (const [method, path, allow] of [
      ['get', '/predict', 'POST'],
      ['get', '/read/batch', 'POST'],
      ['post', '/eval', 'GET, HEAD'],
    ] as const) {
      const res = await api()[method](path);
      expectProblem(res, 405, 'method_not_allowed');
      expect(res.headers.allow).toBe(allow);
      expect(res.body.detail).toContain(`answers ${allow}`);
    }
  });

  it("is 405 with Allow on the Open Inference Protocol routes too, in the protocol's error shape", async () => {
    const res = await api().delete('/v2/models/mnist/infer');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });

  it('leaves a path nothing answers a 404', async () => {
    expectProblem(await api().get('/predictions'), 404, 'not_found');
  });
});

describe('JSON pixels', () => {
  const flat = Array.from({ length: 784 }, (_, i) => (i % 28 === 14 && i > 140 && i < 640 ? 1 : 0));

  it('are read as 784 values or as 28 rows of 28, alike', async () => {
    const rows = Array.from({ length: 28 }, (_, r) => flat.slice(r * 28, r * 28 + 28));
    const one = await api().post('/predict').send({ pixels: flat }).expect(200);
    const other = await api().post('/predict').send({ pixels: rows }).expect(200);
    expect(other.body.probabilities).toEqual(one.body.probabilities);
  });

  it('of another shape say which shapes are read, and out of range say the range', async () => {
    for (const pixels of [flat.slice(1), Array.from({ length: 28 }, () => [0, 1])]) {
      const res = await api().post('/predict').send({ pixels });
      expectProblem(res, 400, 'invalid_input');
      expect(res.body.detail).toMatch(/^pixels[.\d]*: expected 784 values in 0\.\.1 \(row-major\), or 28 rows of 28/);
    }
    const res = await api()
      .post('/predict')
      .send({ pixels: flat.map(() => 255) });
    expectProblem(res, 400, 'invalid_input');
    expect(res.body.detail).toMatch(/^pixels\.0: Too big: expected number to be <=1/);
  });

  it('meet the rule an image of them meets: blank is no digit, a dot is no digit', async () => {
    const blank = await api()
      .post('/predict')
      .send({ pixels: new Array(784).fill(0) });
    expectProblem(blank, 422, 'no_digit');
    expect(blank.body.reason).toBe('blank');
    const dot = new Array(784).fill(0);
    for (const r of [13, 14, 15]) for (const c of [13, 14, 15]) dot[r * 28 + c] = 1;
    const res = await api().post('/predict').send({ pixels: dot });
    expectProblem(res, 422, 'no_digit');
    expect(res.body.reason).toBe('dot');
    const batch = await api()
      .post('/predict/batch')
      .send({ inputs: [{ pixels: flat }, { pixels: new Array(784).fill(0) }] })
      .expect(200);
    expect(batch.body.results[1].error.code).toBe('no_digit');
    expect(batch.body.results[0].prediction).toBeTypeOf('number');
  });

  it('or an image: a body of neither kind says what a body holds', async () => {
    const res = await api().post('/predict').send({ picture: 'iVBOR...' });
    expectProblem(res, 400, 'invalid_input');
    expect(res.body.detail).toContain('{"pixels": [784 values in 0..1, or 28 rows of 28]} or {"image": "<base64 or data URL>"}');
  });
});

describe('a body of a type the route does not read', () => {
  it('lists the accepted bodies with the curl line, for curl --data-binary without a type', async () => {
    const res = await api().post('/predict').set('content-type', 'application/x-www-form-urlencoded').send(digit);
    expectProblem(res, 415, 'unsupported_media_type');
    expect(res.body.detail).toContain('application/x-www-form-urlencoded');
    expect(res.body.detail).toContain('curl -F image=@digit.png');
    expect(res.body.detail).toContain("curl -H 'Content-Type: image/png' --data-binary @digit.png");
    expect(res.body.accepted).toEqual(['multipart/form-data', 'image/*', 'application/json']);
  });

  it('gives a batch route its own ways: repeated files or JSON inputs', async () => {
    const res = await api().post('/read/batch').set('content-type', 'text/plain').send('7210');
    expectProblem(res, 415, 'unsupported_media_type');
    expect(res.body.detail).toContain('curl -F images=@a.png -F images=@b.png');
    expect(res.body.accepted).toEqual(['multipart/form-data', 'application/json']);
  });
});

describe('a body over its limit', () => {
  it('names the limit and the setting that raises it, for a raw image and for JSON', async () => {
    const raw = await api().post('/predict').set('content-type', 'image/jpeg').send(Buffer.alloc(20_001));
    expectProblem(raw, 413, 'body_too_large');
    expect(raw.body.detail).toBe("the body is larger than 20,000 bytes (the server's MAX_FILE_BYTES) for raw image bodies");
    expect(raw.body).toMatchObject({ limitBytes: 20_000, setting: 'MAX_FILE_BYTES' });
    const json = await api()
      .post('/predict')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ image: 'A'.repeat(30_001) }));
    expectProblem(json, 413, 'body_too_large');
    expect(json.body.setting).toBe('MAX_JSON_BYTES');
  });

  it('names MAX_FILE_BYTES for a file in a form', async () => {
    const res = await api().post('/predict').attach('image', Buffer.alloc(20_001, 1), 'big.png');
    expectProblem(res, 413, 'image_too_large');
    expect(res.body.detail).toContain("20,000 bytes (the server's MAX_FILE_BYTES)");
  });
});

describe('a picture the server cannot read', () => {
  it('says what to send instead of a HEIC photo', async () => {
    // the head of an iPhone's HEIC file: an ftyp box of brand heic
    const heic = Buffer.concat([
      Buffer.from([0, 0, 0, 24]),
      Buffer.from('ftypheic'),
      Buffer.alloc(4),
      Buffer.from('mif1heic'),
      Buffer.alloc(64),
    ]);
    const res = await api().post('/predict').set('content-type', 'image/heic').send(heic);
    expectProblem(res, 415, 'unsupported_media_type');
    expect(res.body.detail).toContain('send a JPEG or PNG');
    expect(res.body.detail).toContain('Most Compatible');
  });

  it("words a damaged file in the service's own terms, not libvips'", async () => {
    const damaged = Buffer.from(digit);
    damaged.fill(0x41, 45, 60); // inside the compressed pixels
    const res = await api().post('/predict').set('content-type', 'image/png').send(damaged);
    expectProblem(res, 400, 'invalid_image');
    expect(res.body.detail).toMatch(/^the PNG data could not be decoded: /);
    expect(res.body.detail).not.toMatch(/Input buffer|vips|libpng|sharp/i);
  });
});

describe('no digit, said by what was found', () => {
  it('tells blank paper, a dot, specks and noise apart', async () => {
    const blank = await greyPng(new Uint8Array(200 * 200), 200, 200, true);
    const dot = await greyPng(strokes(280, 280, [[140, 140, 140, 140]], 10), 280, 280);
    const specks = await greyPng(strokes(400, 400, [[200, 210, 200, 210]], 5), 400, 400, true);
    let seed = 7;
    const noisy = Uint8Array.from({ length: 160 * 160 }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 8) & 255);
    const noise = await greyPng(noisy, 160, 160);
    for (const [picture, reason, words] of [
      [blank, 'blank', 'nothing stands out from the background'],
      [dot, 'dot', 'one dot or blot'],
      [specks, 'speck', 'only specks'],
      [noise, 'noise', 'grain or noise'],
    ] as const) {
      const res = await api().post('/predict').attach('image', picture, `${reason}.png`);
      expectProblem(res, 422, 'no_digit');
      expect(res.body.reason, reason).toBe(reason);
      expect(res.body.detail).toContain(words);
    }
  });

  it('reads a short stroke as a digit, not a dot', async () => {
    const dash = await greyPng(strokes(280, 280, [[140, 110, 140, 170]], 10), 280, 280);
    expect((await api().post('/predict').attach('image', dash, 'one.png')).status).toBe(200);
  });

  it('points from preprocess=plain to auto when a photo loses its digit in the whole-picture resize', async () => {
    const photo = await greyPng(strokes(600, 600, [[300, 200, 300, 400]], 3), 600, 600, true);
    const res = await api().post('/predict?preprocess=plain').attach('image', photo, 'photo.png');
    expectProblem(res, 422, 'no_digit');
    expect(res.body.detail).toContain('leave preprocess at auto');
    expect((await api().post('/predict').attach('image', photo, 'photo.png')).status).toBe(200);
  });
});

describe("a phone's photo, as the camera wrote it", () => {
  let defaults: RunningServer;
  beforeAll(async () => {
    defaults = await startServer({});
  });
  afterAll(() => defaults?.close());

  it('is read under the default limits: a 4032 x 3024 JPEG of several megabytes', async () => {
    const [width, height] = [4032, 3024];
    // a 7 written across the middle of the frame, on grainy paper (the grain is what makes a
    // camera's JPEG weigh megabytes)
    const ink = seven(1008, 756);
    const levels = new Uint8Array(width * height);
    let seed = 11;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const grain = ((seed >> 8) % 41) - 20;
        const pen = ink[(y >> 2) * 1008 + (x >> 2)]! / 255;
        levels[y * width + x] = Math.round(210 + grain - pen * 170);
      }
    }
    const photo = await sharp(Buffer.from(levels), { raw: { width, height, channels: 1 } })
      .jpeg({ quality: 95 })
      .toBuffer();
    expect(photo.length).toBeGreaterThan(5_000_000);
    const res = await request(defaults.url).post('/predict').attach('image', photo, 'IMG_0001.jpg').expect(200);
    expect(res.body.prediction).toBe(7);
  });
});
