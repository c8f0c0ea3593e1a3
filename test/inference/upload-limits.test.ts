/**
 * What one upload may cost, through the real app: a picture too long and thin to be digits, one
 * declaring more pixels than the limit, and a request whose pictures declare more than its
 * budget together are each refused from their headers, before anything is decoded, with their
 * own problem; a batch's refused pictures are that item's error and count for nothing.
 * The files are small and real: a 1-bit PNG strip, and GIFs whose logical screen is large
 * (libvips decodes the whole screen), the cheap uploads of the adversarial probe's finding 6.
 */
import { deflateSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { fixture } from '../hostile/support/fixtures.js';
import { multipart } from '../hostile/support/http.js';
import { toyDigitModel } from '../support/models.js';
import { PNG_SIGNATURE, pngChunk } from '../support/png.js';
import { testConfig } from '../support/server.js';

/** A black 1-bit grey PNG: a few kilobytes for millions of pixels. */
function blackPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([1, 0, 0, 0, 0], 8); // bit depth 1, grey, deflate, no filter, no interlace
  const rows = Buffer.alloc(height * (1 + Math.ceil(width / 8)));
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(rows)), pngChunk('IEND', Buffer.alloc(0))]);
}

let smallGif: Buffer;
/** An 8x8 GIF on a width x height logical screen: libvips decodes the whole screen. */
function gifScreen(width: number, height: number): Buffer {
  const gif = Buffer.from(smallGif);
  gif.writeUInt16LE(width, 6);
  gif.writeUInt16LE(height, 8);
  return gif;
}

/** `count` copies of the MNIST 7 side by side (or one above the other): a line of digits. */
async function lineOfSevens(count: number, vertical = false): Promise<Buffer> {
  const seven = await sharp(fixture('digit-7.png')).extractChannel(0).raw().toBuffer();
  const [width, height] = vertical ? [28, 28 * count] : [28 * count, 28];
  const line = Buffer.alloc(width * height);
  for (let k = 0; k < count; k++) {
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const [lx, ly] = vertical ? [x, y + 28 * k] : [x + 28 * k, y];
        line[ly * width + lx] = seven[y * 28 + x]!;
      }
    }
  }
  return sharp(line, { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
}

async function buildWith(env: Record<string, string> = {}): Promise<FastifyInstance> {
  return buildApp(testConfig(env), { model: toyDigitModel() });
}

async function post(app: FastifyInstance, url: string, payload: Buffer, type = 'image/png') {
  const started = performance.now();
  const res = await app.inject({ method: 'POST', url, headers: { 'content-type': type }, payload });
  return { status: res.statusCode, type: res.headers['content-type'], body: res.json(), ms: performance.now() - started };
}

function batch(files: readonly Buffer[]) {
  return multipart(files.map((data, i) => ({ name: 'images', filename: `${i}`, data })));
}

beforeAll(async () => {
  smallGif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
    .gif()
    .toBuffer();
});

describe('the default limits', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildWith();
  });
  afterAll(() => app?.close());

  it('refuses a 20000 x 1000 strip (preprocess=plain) with 422 extreme_aspect_ratio, from its header', async () => {
    const strip = blackPng(20_000, 1_000);
    const r = await post(app, '/predict?preprocess=plain', strip);
    expect([r.status, r.type]).toEqual([422, 'application/problem+json; charset=utf-8']);
    expect(r.body).toMatchObject({ code: 'extreme_aspect_ratio', status: 422, width: 20_000, height: 1_000, maxAspectRatio: 16 });
    // decoding its 20 M pixels takes seconds
    expect(r.ms).toBeLessThan(1_000);
  });

  it('refuses a GIF declaring 6000 x 6000 with 413 too_many_pixels, from its header', async () => {
    const r = await post(app, '/predict', gifScreen(6_000, 6_000), 'image/gif');
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ code: 'too_many_pixels', status: 413, width: 6_000, height: 6_000, maxInputPixels: 25_000_000 });
    expect(r.ms).toBeLessThan(1_000);
  });

  it('reads a line of 16 digits (16:1) and refuses one of 17, either way up', async () => {
    expect((await post(app, '/predict', await lineOfSevens(16))).status).toBe(200);
    expect((await post(app, '/predict', await lineOfSevens(16, true))).status).toBe(200);
    for (const line of [await lineOfSevens(17), await lineOfSevens(17, true)]) {
      const r = await post(app, '/predict', line);
      expect([r.status, r.body.code]).toEqual([422, 'extreme_aspect_ratio']);
    }
  });

  it('refuses a batch of pictures each within the limit that declare more than MAX_REQUEST_PIXELS together, decoding none', async () => {
    // 3 x 25 M: each the largest picture allowed, seconds of decoding together
    const m = batch([gifScreen(5_000, 5_000), gifScreen(5_000, 5_000), gifScreen(5_000, 5_000)]);
    const r = await post(app, '/predict/batch', m.body, m.contentType);
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ code: 'too_many_pixels_in_request', pixels: 75_000_000, maxRequestPixels: 64_000_000 });
    expect(r.ms).toBeLessThan(1_000);
  });

  it("answers a batch's good pictures, gives each refused one its own error, and does not count those against the budget", async () => {
    // the refused three declare 92 M pixels: counted, they would refuse the whole request
    const m = batch([
      fixture('digit-7.png'),
      blackPng(20_000, 1_000),
      gifScreen(6_000, 6_000),
      gifScreen(1_000, 36_000),
      fixture('digit-7.png'),
    ]);
    const r = await post(app, '/predict/batch', m.body, m.contentType);
    expect(r.status).toBe(200);
    const results = r.body.results as Array<{ prediction?: number; error?: { code: string; status: number } }>;
    expect(results.map((x) => x.error ?? x.prediction)).toEqual([
      results[0]!.prediction,
      expect.objectContaining({ code: 'extreme_aspect_ratio', status: 422 }),
      expect.objectContaining({ code: 'too_many_pixels', status: 413 }),
      expect.objectContaining({ code: 'too_many_pixels', status: 413 }),
      results[0]!.prediction,
    ]);
    expect(typeof results[0]!.prediction).toBe('number');
  });
});

describe('the limits as set', () => {
  const digitOf = (side: number) => sharp(fixture('digit-7.png')).resize(side, side).png().toBuffer();

  it('applies MAX_INPUT_PIXELS, MAX_ASPECT_RATIO and MAX_REQUEST_PIXELS at their values', async () => {
    const app = await buildWith({ MAX_INPUT_PIXELS: '10000', MAX_ASPECT_RATIO: '2', MAX_REQUEST_PIXELS: '20000' });
    try {
      expect((await post(app, '/predict', await digitOf(100))).status).toBe(200);
      const over = await post(
        app,
        '/predict',
        await sharp(await digitOf(100))
          .resize(101, 100, { fit: 'fill' })
          .png()
          .toBuffer(),
      );
      expect([over.status, over.body.code, over.body.maxInputPixels]).toEqual([413, 'too_many_pixels', 10_000]);

      const wide = (width: number) => sharp(fixture('digit-7.png')).resize(width, 28, { fit: 'fill' }).png().toBuffer();
      expect((await post(app, '/predict', await wide(56))).status).toBe(200);
      const thin = await post(app, '/predict', await wide(57));
      expect([thin.status, thin.body.code, thin.body.maxAspectRatio]).toEqual([422, 'extreme_aspect_ratio', 2]);

      const two = batch([await digitOf(100), await digitOf(100)]);
      expect((await post(app, '/predict/batch', two.body, two.contentType)).status).toBe(200);
      const three = batch([await digitOf(100), await digitOf(100), await digitOf(100)]);
      const refused = await post(app, '/predict/batch', three.body, three.contentType);
      expect([refused.status, refused.body.code, refused.body.pixels]).toEqual([413, 'too_many_pixels_in_request', 30_000]);
    } finally {
      await app.close();
    }
  });
});
