import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../src/http/problem.js';
import { DEFAULT_ALLOWED_FORMATS, plainTensor } from '../../src/preprocess/decode.js';
import { sniffImageFormat } from '../../src/preprocess/sniff.js';
import { pixelsToTensor } from '../../src/preprocess/tensor.js';

const limits = { maxInputPixels: 1_000_000, allowedFormats: DEFAULT_ALLOWED_FORMATS };

/** A 28x28 test card holding every byte value 0..255 at least once. */
const card = Uint8Array.from({ length: 784 }, (_, i) => (i * 97) % 256);
const gray = (w: number, h: number, data: Uint8Array) => sharp(Buffer.from(data), { raw: { width: w, height: h, channels: 1 } });

async function problemOf(p: Promise<unknown>): Promise<HttpProblem> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpProblem);
  return err as HttpProblem;
}

describe('plainTensor', () => {
  it('turns a 28x28 grayscale PNG into exactly its pixels / 255', async () => {
    const t = await plainTensor(await gray(28, 28, card).png().toBuffer(), limits);
    expect(Array.from(t)).toEqual(Array.from(pixelsToTensor(card)));
    expect(t[1]).toBe(Math.fround(97 / 255));
  });

  it('keeps a 28x28 RGB PNG of gray pixels bit-exact too', async () => {
    const rgb = await gray(28, 28, card).toColourspace('srgb').png().toBuffer();
    expect((await sharp(rgb).metadata()).channels).toBe(3);
    expect(Array.from(await plainTensor(rgb, limits))).toEqual(Array.from(pixelsToTensor(card)));
  });

  it('resizes a larger image to 28x28', async () => {
    const big = new Uint8Array(280 * 140).fill(255);
    const t = await plainTensor(await gray(280, 140, big).jpeg().toBuffer(), limits);
    expect(t.length).toBe(784);
    expect(Math.min(...t)).toBeGreaterThan(0.95);
  });

  it('refuses bytes that are not an image', async () => {
    const p = await problemOf(plainTensor(Buffer.from('hello, this is text'), limits));
    expect(p.code).toBe('invalid_image');
  });

  it('refuses a PNG signature followed by garbage', async () => {
    const bytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
    const p = await problemOf(plainTensor(bytes, limits));
    expect(p.code).toBe('invalid_image');
    expect(p.detail).toMatch(/PNG data could not be decoded/);
  });

  it('refuses a truncated JPEG', async () => {
    const jpeg = await gray(
      64,
      64,
      new Uint8Array(64 * 64).map((_, i) => i % 251),
    )
      .jpeg()
      .toBuffer();
    const p = await problemOf(plainTensor(jpeg.subarray(0, jpeg.length >> 1), limits));
    expect(p.code).toBe('invalid_image');
  });

  it('refuses an image over the pixel limit before decoding it', async () => {
    const png = await sharp({ create: { width: 1200, height: 1000, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const p = await problemOf(plainTensor(png, limits));
    expect(p.code).toBe('too_many_pixels');
    expect(p.status).toBe(413);
  });

  it('refuses SVG unless allowed', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28"><rect width="5" height="5"/></svg>');
    const p = await problemOf(plainTensor(svg, limits));
    expect([p.code, p.status]).toEqual(['unsupported_media_type', 415]);
  });

  it('reports an empty file as a missing image', async () => {
    expect((await problemOf(plainTensor(Buffer.alloc(0), limits))).code).toBe('missing_image');
  });
});

describe('sniffImageFormat', () => {
  it.each(['png', 'jpeg', 'webp', 'gif', 'tiff', 'avif'] as const)('recognises %s by its bytes', async (format) => {
    const bytes = await gray(8, 8, new Uint8Array(64).fill(128)).toFormat(format).toBuffer();
    expect(sniffImageFormat(bytes)).toBe(format);
  });

  it('recognises SVG with an XML prolog and nothing in plain text', () => {
    expect(sniffImageFormat(Buffer.from('<?xml version="1.0"?>\n<svg></svg>'))).toBe('svg');
    expect(sniffImageFormat(Buffer.from('<html><body>hi</body></html>'))).toBeUndefined();
  });
});
