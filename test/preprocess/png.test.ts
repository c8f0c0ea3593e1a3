/** The synchronous PNG reader: exactly libvips' pixels where it reads a file, undefined where it does not. */
import sharp, { type PngOptions } from 'sharp';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeSmallPng, type RawImage } from '../../src/preprocess/png.js';
import { pngBytes, pngParts, splitIdat } from '../hostile/support/image-parts.js';
import { REFUSED_PNGS } from '../hostile/support/refused-files.js';
import { PNG_SIGNATURE, pngChunk } from '../support/png.js';

const COLOUR_TYPE = { 1: 0, 2: 4, 3: 2, 4: 6 } as const;

/** A PNG written here, row y filtered with filters[y % filters.length], so every filter type is exercised. */
function encodePng(img: RawImage, filters: readonly number[], extra: Buffer[] = []): Buffer {
  const { width, height, channels: bpp, data } = img;
  const stride = width * bpp;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const f = filters[y % filters.length]!;
    raw[y * (stride + 1)] = f;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? data[y * stride + x - bpp]! : 0;
      const b = y > 0 ? data[(y - 1) * stride + x]! : 0;
      const c = x >= bpp && y > 0 ? data[(y - 1) * stride + x - bpp]! : 0;
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f]!;
      raw[y * (stride + 1) + 1 + x] = (data[y * stride + x]! - predictor) & 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = COLOUR_TYPE[bpp];
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    ...extra,
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function noise(width: number, height: number, channels: RawImage['channels'], seed: number): RawImage {
  const data = new Uint8Array(width * height * channels);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    // half smooth, half noisy, so predictors see both kinds of rows
    data[i] = i % 7 < 4 ? (i * 3) & 0xff : s >>> 24;
  }
  return { width, height, channels, data };
}

/** libvips' sRGB pixels of `png`, as decode.ts asks for them: grey files come out as three equal channels. */
async function sharpPixels(png: Buffer): Promise<Buffer> {
  return sharp(png).toColourspace('srgb').raw().toBuffer();
}

/** The same expansion of our pixels: grey -> RGB, grey + alpha -> RGBA. */
function asSrgb({ data, channels }: RawImage): Buffer {
  if (channels > 2) return Buffer.from(data);
  const out: number[] = [];
  for (let p = 0; p < data.length; p += channels) out.push(data[p]!, data[p]!, data[p]!, ...(channels === 2 ? [data[p + 1]!] : []));
  return Buffer.from(out);
}

describe('decodeSmallPng', () => {
  it.each([1, 2, 3, 4] as const)('reads %i-channel PNGs with every filter type exactly as libvips does', async (channels) => {
    for (const [width, height] of [
      [1, 1],
      [28, 28],
      [37, 19],
    ] as const) {
      const img = noise(width, height, channels, width * channels);
      for (const filters of [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4]]) {
        const png = encodePng(img, filters);
        const mine = decodeSmallPng(png, 1e6);
        expect(mine, `${width}x${height} filters ${filters.join()}`).toEqual({ width, height, channels, data: img.data });
        expect(asSrgb(mine!).equals(await sharpPixels(png))).toBe(true);
      }
    }
  });

  it('reads the PNGs sharp writes (adaptive filtering, split IDAT chunks at large sizes)', async () => {
    for (const [channels, space] of [
      [1, 'b-w'],
      [3, 'srgb'],
      [4, 'srgb'],
    ] as const) {
      const img = noise(300, 211, channels, 5);
      const png = await sharp(img.data, { raw: { width: 300, height: 211, channels } })
        .toColourspace(space)
        .png({ adaptiveFiltering: true, compressionLevel: 9 })
        .toBuffer();
      const mine = decodeSmallPng(png, 1e6);
      expect(mine?.channels).toBe(channels);
      expect(asSrgb(mine!).equals(await sharpPixels(png))).toBe(true);
    }
  });

  it('leaves to sharp what it does not read exactly: interlaced, palette, 16-bit, profiles, transparency keys, too many pixels', async () => {
    const grey = noise(28, 28, 1, 3);
    const fromSharp = (options: PngOptions, sixteen = false) =>
      sharp(grey.data, { raw: { width: 28, height: 28, channels: 1 } })
        .toColourspace(sixteen ? 'grey16' : 'b-w')
        .png(options)
        .toBuffer();
    expect(decodeSmallPng(await fromSharp({}), 1e6)).toBeDefined();
    expect(decodeSmallPng(await fromSharp({ progressive: true }), 1e6)).toBeUndefined();
    expect(decodeSmallPng(await fromSharp({ palette: true }), 1e6)).toBeUndefined();
    expect(decodeSmallPng(await fromSharp({}, true), 1e6)).toBeUndefined();
    expect(decodeSmallPng(encodePng(grey, [0], [pngChunk('tRNS', Buffer.from([0, 0]))]), 1e6)).toBeUndefined();
    expect(decodeSmallPng(encodePng(grey, [0], [pngChunk('iCCP', Buffer.from('x\0\0'))]), 1e6)).toBeUndefined();
    expect(decodeSmallPng(encodePng(grey, [0], [pngChunk('eXIf', Buffer.from('MM\0*'))]), 1e6)).toBeUndefined();
    expect(decodeSmallPng(encodePng(grey, [0]), 28 * 28 - 1)).toBeUndefined();
    // harmless ancillary chunks are skipped
    expect(
      decodeSmallPng(encodePng(grey, [0], [pngChunk('tEXt', Buffer.from('k\0v')), pngChunk('pHYs', Buffer.alloc(9))]), 1e6)?.data,
    ).toEqual(grey.data);
  });

  it('returns undefined, never throws, for damaged files: bad CRC, truncation, bad deflate data, wrong sizes, unknown filters', () => {
    const good = encodePng(noise(28, 28, 1, 9), [4]);
    const badCrc = Buffer.from(good);
    badCrc[40]! ^= 0xff;
    expect(decodeSmallPng(badCrc, 1e6)).toBeUndefined();
    for (let cut = 0; cut < good.length; cut += 17) expect(decodeSmallPng(good.subarray(0, cut), 1e6)).toBeUndefined();
    const ihdr = good.subarray(8, 8 + 25);
    const end = pngChunk('IEND', Buffer.alloc(0));
    const sig = good.subarray(0, 8);
    expect(decodeSmallPng(Buffer.concat([sig, ihdr, pngChunk('IDAT', Buffer.from('not deflate')), end]), 1e6)).toBeUndefined();
    // a stream that inflates to more than the image: refused, not inflated without bound
    expect(decodeSmallPng(Buffer.concat([sig, ihdr, pngChunk('IDAT', deflateSync(Buffer.alloc(10_000_000))), end]), 1e6)).toBeUndefined();
    expect(decodeSmallPng(Buffer.concat([sig, ihdr, pngChunk('IDAT', deflateSync(Buffer.alloc(28 * 29 - 1))), end]), 1e6)).toBeUndefined();
    const unknownFilter = Buffer.alloc(28 * 29);
    unknownFilter[0] = 5;
    expect(decodeSmallPng(Buffer.concat([sig, ihdr, pngChunk('IDAT', deflateSync(unknownFilter)), end]), 1e6)).toBeUndefined();
    expect(decodeSmallPng(Buffer.concat([sig, ihdr, pngChunk('IDAT', deflateSync(Buffer.alloc(28 * 29)))]), 1e6)).toBeUndefined();
  });

  it.each(REFUSED_PNGS.map((f) => [f.name, f.make] as const))('leaves to sharp a PNG libpng refuses: %s', async (_, make) => {
    const sound = [
      encodePng(noise(28, 28, 1, 11), [1]),
      await sharp(noise(37, 19, 4, 2).data, { raw: { width: 37, height: 19, channels: 4 } })
        .png()
        .toBuffer(),
    ];
    for (const png of sound) {
      expect(decodeSmallPng(png, 1e6)).toBeDefined();
      const damaged = make(png);
      await expect(sharp(damaged, { failOn: 'error' }).raw().toBuffer()).rejects.toThrow();
      expect(decodeSmallPng(damaged, 1e6)).toBeUndefined();
    }
  });

  it('reads image data split over consecutive IDATs, and ancillary chunks after it', async () => {
    const img = noise(37, 19, 3, 4);
    const parts = splitIdat(pngParts(encodePng(img, [0, 4])), 4);
    parts.splice(-1, 0, { type: 'tEXt', body: Buffer.from('Comment\0after the data') });
    const png = pngBytes(parts);
    expect(decodeSmallPng(png, 1e6)?.data).toEqual(img.data);
    expect(asSrgb(decodeSmallPng(png, 1e6)!).equals(await sharpPixels(png))).toBe(true);
  });
});
