import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../src/http/problem.js';
import {
  budgetedPixels,
  checkedSize,
  DEFAULT_ALLOWED_FORMATS,
  plainPixels,
  plainTensor,
  UNBUDGETED_PIXELS,
} from '../../src/preprocess/decode.js';
import { headerSize } from '../../src/preprocess/dimensions.js';
import { sizeImages } from '../../src/preprocess/index.js';
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

  it('greys a large colour picture after resizing it: a flat colour keeps the level it has at 28x28', async () => {
    const flat = (side: number) =>
      sharp({ create: { width: side, height: side, channels: 3, background: { r: 200, g: 120, b: 40 } } })
        .png()
        .toBuffer();
    const small = await plainPixels(await flat(28), limits);
    expect(new Set(small).size).toBe(1);
    expect(Array.from(await plainPixels(await flat(900), limits))).toEqual(Array.from(small));
  });
});

/** A blank (white, opaque) picture in `format`: a small file that declares width x height pixels. */
const blank = (width: number, height: number, format: 'png' | 'jpeg' | 'gif' | 'webp' | 'tiff' | 'avif', options = {}) =>
  sharp({ create: { width, height, channels: 3, background: '#fff' } })
    .toFormat(format, options)
    .toBuffer();

/** The GIF with its first frame moved `x` pixels right: libvips widens the picture to hold it. */
function shiftFirstFrame(gif: Buffer, x: number): Buffer {
  const out = Buffer.from(gif);
  const packed = out[10]!;
  let at = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
  while (out[at] === 0x21) {
    at += 2;
    while (out[at] !== 0) at += 1 + out[at]!;
    at += 1;
  }
  out.writeUInt16LE(x, at + 1);
  return out;
}

describe('headerSize', () => {
  const cases: Array<[string, () => Promise<Buffer>]> = [
    ['PNG', () => blank(301, 17, 'png')],
    ['JPEG, baseline', () => blank(301, 17, 'jpeg')],
    [
      'JPEG, progressive with EXIF',
      async () =>
        sharp(await blank(301, 17, 'jpeg'))
          .withExif({ IFD0: { Copyright: 'x' } })
          .jpeg({ progressive: true })
          .toBuffer(),
    ],
    ['GIF', () => blank(301, 17, 'gif')],
    ['GIF whose first frame reaches past its screen', async () => shiftFirstFrame(await blank(301, 17, 'gif'), 40)],
    ['WebP, lossy', () => blank(301, 17, 'webp')],
    ['WebP, lossless', () => blank(301, 17, 'webp', { lossless: true })],
    [
      'WebP, extended (EXIF)',
      async () =>
        sharp(await blank(301, 17, 'webp'))
          .withExif({ IFD0: { Copyright: 'x' } })
          .webp()
          .toBuffer(),
    ],
  ];

  it.each(cases)('reads the size libvips decodes from a %s header', async (_what, make) => {
    const bytes = await make();
    const { width, height } = await sharp(bytes, { pages: 1 }).metadata();
    expect(headerSize(bytes, sniffImageFormat(bytes)!)).toMatchObject({ width, height });
  });

  it('marks a baseline JPEG as one libjpeg decodes at a fraction of its size, not a progressive one', async () => {
    const baseline = await blank(64, 48, 'jpeg');
    const progressive = await sharp(baseline).jpeg({ progressive: true }).toBuffer();
    expect(headerSize(baseline, 'jpeg')).toEqual({ width: 64, height: 48, shrinkOnLoad: true });
    expect(headerSize(progressive, 'jpeg')).toEqual({ width: 64, height: 48 });
  });

  it('reads the canvas of an animated GIF and WebP, not the frames stacked', async () => {
    const frame = await blank(40, 30, 'png');
    for (const format of ['gif', 'webp'] as const) {
      const animated = await sharp([frame, frame], { join: { animated: true } })
        .toFormat(format)
        .toBuffer();
      expect(headerSize(animated, format)).toEqual({ width: 40, height: 30 });
    }
  });

  it('leaves TIFF, AVIF and unreadable headers to sharp', async () => {
    expect(headerSize(await blank(30, 20, 'tiff'), 'tiff')).toBeUndefined();
    expect(headerSize(await blank(30, 20, 'avif'), 'avif')).toBeUndefined();
    expect(headerSize(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]), 'png')).toBeUndefined();
    expect(headerSize(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2]), 'jpeg')).toBeUndefined();
  });
});

describe('checkedSize: the limits applied from the header, before any decode', () => {
  const bounded = { ...limits, maxAspectRatio: 16 };

  it('accepts up to maxAspectRatio : 1 either way, and refuses past it with the sizes in the problem', async () => {
    expect(await checkedSize(await blank(16 * 20, 20, 'png'), bounded)).toEqual({ width: 320, height: 20 });
    expect(await checkedSize(await blank(20, 16 * 20, 'jpeg'), bounded)).toMatchObject({ width: 20, height: 320 });
    for (const [width, height] of [
      [16 * 20 + 1, 20],
      [20, 16 * 20 + 1],
    ]) {
      const p = await problemOf(checkedSize(await blank(width!, height!, 'gif'), bounded));
      expect([p.code, p.status]).toEqual(['extreme_aspect_ratio', 422]);
      expect(p.extra).toEqual({ width, height, maxAspectRatio: 16 });
    }
  });

  it('refuses over maxInputPixels from the header, for formats sharp reads the header of too', async () => {
    const tight = { ...bounded, maxInputPixels: 10_000 };
    for (const format of ['png', 'webp', 'tiff', 'avif'] as const) {
      const p = await problemOf(checkedSize(await blank(101, 100, format), tight));
      expect([p.code, p.status, p.extra], format).toEqual(['too_many_pixels', 413, { width: 101, height: 100, maxInputPixels: 10_000 }]);
      expect(await checkedSize(await blank(100, 100, format), tight), format).toEqual({ width: 100, height: 100 });
    }
  });

  it('refuses what is not an allowed image as the decoders do', async () => {
    expect((await problemOf(checkedSize(Buffer.from('seven'), bounded))).code).toBe('invalid_image');
    const tiffHeaderOnly = Buffer.from('II*\0garbage garbage garbage');
    expect((await problemOf(checkedSize(tiffHeaderOnly, bounded))).code).toBe('invalid_image');
  });
});

describe("sizeImages: one request's images", () => {
  const budget = { ...limits, maxAspectRatio: 16, maxRequestPixels: 100_000 };

  it("gives each image its size or its own problem, and counts only the accepted ones against the request's budget", async () => {
    const sizes = await sizeImages(
      [await blank(200, 200, 'png'), await blank(2000, 1000, 'png'), await blank(400, 20, 'png'), await blank(240, 240, 'jpeg')],
      budget,
    );
    expect(sizes.map((s) => (s instanceof HttpProblem ? s.code : s))).toEqual([
      { width: 200, height: 200 },
      'too_many_pixels',
      'extreme_aspect_ratio',
      { width: 240, height: 240, shrinkOnLoad: true },
    ]);
  });

  it('refuses the request when its images declare more pixels together than its budget', async () => {
    const images = [await blank(200, 200, 'png'), await blank(200, 200, 'gif'), await blank(150, 150, 'jpeg')];
    const p = await problemOf(sizeImages(images, budget));
    expect([p.code, p.status, p.extra]).toEqual(['too_many_pixels_in_request', 413, { pixels: 102_500, maxRequestPixels: 100_000 }]);
  });
});

describe('budgetedPixels', () => {
  it('weighs a large picture by its pixels and a small one not at all', () => {
    expect(budgetedPixels({ width: 2000, height: 1000 })).toBe(2_000_000);
    expect(budgetedPixels({ width: 280, height: 280 })).toBe(0);
    expect(budgetedPixels({ width: UNBUDGETED_PIXELS, height: 1 })).toBe(0);
  });

  it('weighs a baseline JPEG at the scale libjpeg decodes it at, a progressive one whole', () => {
    // a 12 MP phone photo, fitted into 320 pixels: shrunk by 12.6, decoded at 1/8, counted at 1/4
    expect(budgetedPixels({ width: 4032, height: 3024, shrinkOnLoad: true })).toBe(0);
    expect(budgetedPixels({ width: 5000, height: 5000, shrinkOnLoad: true })).toBe(1250 * 1250);
    expect(budgetedPixels({ width: 4032, height: 3024 })).toBe(4032 * 3024);
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
