/**
 * The JPEG luma reader (jpeg.ts) against libvips: at full size its levels are libvips' decode
 * within one level; shrunk, within a few levels of averaging libvips' decode; every layout it
 * does not read, every damaged file, and every file libjpeg refuses, is left to sharp
 * (undefined), never thrown.
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { splitChannels } from '../../src/preprocess/channels.js';
import { decodeJpegGrey, type JpegScale } from '../../src/preprocess/jpeg.js';
import { prng } from '../hostile/support/fixtures.js';
import { editJpeg, flatJpeg, jpegParts } from '../hostile/support/image-parts.js';
import { REFUSED_FLAT_JPEGS, REFUSED_JPEGS } from '../hostile/support/refused-files.js';
import { greyImage, onPaper, seven } from './drawing.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/jpeg/${name}`, import.meta.url));
const at = (scale: JpegScale) => () => scale;
const ALL_PIXELS = 1 << 30;

/** libvips' decode as 8-bit sRGB, to grey as decodeImage does, averaged by `factor`. */
async function sharpGrey(jpeg: Uint8Array, factor: number) {
  const { data, info } = await sharp(jpeg).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return splitChannels(new Uint8Array(data), info.width, info.height, info.channels, factor);
}

/** Largest and mean absolute difference from libvips' levels averaged by the same factor. */
async function differenceFromSharp(jpeg: Uint8Array, scale: JpegScale) {
  const mine = decodeJpegGrey(jpeg, ALL_PIXELS, at(scale));
  expect(mine, `read at 1/${scale}`).toBeDefined();
  const ref = await sharpGrey(jpeg, scale);
  expect([mine!.width, mine!.height]).toEqual([ref.width, ref.height]);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < ref.grey.length; i++) {
    const d = Math.abs(ref.grey[i]! - mine!.data[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / ref.grey.length };
}

/** A digit photographed on tinted, unevenly lit paper: colour, smooth, with sharp edges. */
async function photo(width: number, height: number): Promise<Buffer> {
  const ink = seven(width, height);
  const rgb = Buffer.alloc(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const x = p % width;
    const paper = [230 - (20 * x) / width, 222, 205];
    const pen = [35, 45, 120];
    for (let c = 0; c < 3; c++) rgb[3 * p + c] = Math.round(paper[c]! + (ink[p]! / 255) * (pen[c]! - paper[c]!));
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } }).toBuffer();
}

const sharpJpegs = async (): Promise<[string, Buffer][]> => {
  const colour = sharp(await photo(203, 157), { raw: { width: 203, height: 157, channels: 3 } });
  return [
    ['colour 4:2:0, quality 85', await colour.clone().jpeg({ quality: 85 }).toBuffer()],
    ['colour 4:4:4, quality 95', await colour.clone().jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer()],
    ['colour, quality 30, optimised Huffman tables', await colour.clone().jpeg({ quality: 30, optimiseCoding: true }).toBuffer()],
    [
      'grey, 280x280',
      await greyImage(onPaper(seven(280, 280), 220, 40), 280, 280)
        .jpeg({ quality: 85 })
        .toBuffer(),
    ],
    [
      'grey, 9x13',
      await greyImage(onPaper(seven(9, 13), 220, 40), 9, 13)
        .jpeg()
        .toBuffer(),
    ],
  ];
};

const LIBJPEG_FIXTURES = ['restart-every-row.jpg', 'sample-2x1-restart.jpg', 'sample-1x2.jpg', 'grey-restart.jpg'];

describe('decodeJpegGrey: the levels', async () => {
  const files: [string, Uint8Array][] = [...(await sharpJpegs()), ...LIBJPEG_FIXTURES.map((f): [string, Uint8Array] => [f, fixture(f)])];

  it.each(files)("%s: at full size, libvips' levels within rounding", async (_, jpeg) => {
    const { max, mean } = await differenceFromSharp(jpeg, 1);
    // Y itself against RGB clamped to 0..255 and weighted back to grey: saturated colours of a
    // coarsely quantised file can differ by a few levels
    expect(max).toBeLessThanOrEqual(3);
    expect(mean).toBeLessThan(0.05);
  });

  // the reader shrinks only pictures larger than the analysis size; 9x13 would be all edge blocks
  it.each(files.filter(([name]) => !name.includes('9x13')))(
    '%s: at 1/2, 1/4 and 1/8, close to libvips averaged as much',
    async (_, jpeg) => {
      for (const scale of [2, 4, 8] as const) {
        const { max, mean } = await differenceFromSharp(jpeg, scale);
        // a shrunk block keeps its low frequencies, a box average is not band-limited: the two
        // differ on a stroke's edges and nowhere else
        expect(mean, `1/${scale}`).toBeLessThan(1);
        expect(max, `1/${scale}`).toBeLessThanOrEqual(32);
      }
    },
  );

  it('at 1/8 each pixel is the mean of its 8x8 block read at full size', async () => {
    const jpeg = (await sharpJpegs())[0]![1];
    const full = decodeJpegGrey(jpeg, ALL_PIXELS, at(1))!;
    const eighth = decodeJpegGrey(jpeg, ALL_PIXELS, at(8))!;
    for (let by = 0; by < Math.floor(full.height / 8); by++) {
      for (let bx = 0; bx < Math.floor(full.width / 8); bx++) {
        let sum = 0;
        for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) sum += full.data[(8 * by + y) * full.width + 8 * bx + x]!;
        expect(Math.abs(eighth.data[by * eighth.width + bx]! - sum / 64)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('asks for the scale with the full size and returns ceil(size / scale)', async () => {
    const jpeg = fixture('sample-1x2.jpg');
    const asked: [number, number][] = [];
    const out = decodeJpegGrey(jpeg, ALL_PIXELS, (w, h) => {
      asked.push([w, h]);
      return 4;
    });
    expect(asked).toEqual([[203, 157]]);
    expect([out!.width, out!.height]).toEqual([51, 40]);
  });
});

/**
 * The file with its EXIF orientation changed to 6 (turned a quarter); sharp writes the
 * orientation of the pixels it encodes, so the tag is patched: little-endian IFD entry 0x0112,
 * type SHORT, count 1, then the value.
 */
async function rotated(jpeg: Buffer): Promise<Buffer> {
  const entry = Buffer.from([0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00]);
  const out = Buffer.from(jpeg);
  out[out.indexOf(entry) + entry.length] = 6;
  expect((await sharp(out).metadata()).orientation).toBe(6);
  return out;
}

describe('decodeJpegGrey: what it leaves to sharp', () => {
  const colour = async () => sharp(await photo(64, 48), { raw: { width: 64, height: 48, channels: 3 } });

  it.each([
    ['progressive', async () => (await colour()).jpeg({ progressive: true }).toBuffer()],
    ['CMYK', async () => (await colour()).toColourspace('cmyk').jpeg().toBuffer()],
    ['a colour profile', async () => (await colour()).withIccProfile('p3').jpeg().toBuffer()],
    [
      'an EXIF orientation other than upright',
      async () =>
        rotated(
          await (
            await colour()
          )
            .jpeg()
            .withExif({ IFD0: { Orientation: '1' } })
            .toBuffer(),
        ),
    ],
    ['arithmetic coding', async () => fixture('arithmetic.jpg')],
    ['RGB components (not YCbCr)', async () => fixture('rgb-components.jpg')],
    ['a PNG', async () => (await colour()).png().toBuffer()],
  ])('%s', async (_, make) => {
    const bytes = await make();
    expect(decodeJpegGrey(bytes, ALL_PIXELS, at(1))).toBeUndefined();
  });

  it('reads an upright EXIF orientation itself', async () => {
    const upright = await (
      await colour()
    )
      .jpeg()
      .withExif({ IFD0: { Orientation: '1', Software: 'a camera' } })
      .toBuffer();
    expect(decodeJpegGrey(upright, ALL_PIXELS, at(1))).toBeDefined();
  });

  it('leaves pictures over maxPixels to sharp (which refuses or reads them)', async () => {
    const jpeg = await (await colour()).jpeg().toBuffer();
    expect(decodeJpegGrey(jpeg, 64 * 48, at(1))).toBeDefined();
    expect(decodeJpegGrey(jpeg, 64 * 48 - 1, at(1))).toBeUndefined();
  });

  it('leaves every truncation to sharp', async () => {
    const jpeg = fixture('restart-every-row.jpg');
    for (let length = 0; length < jpeg.length - 2; length += 7) {
      expect(decodeJpegGrey(jpeg.subarray(0, length), ALL_PIXELS, at(2)), `${length} bytes`).toBeUndefined();
    }
  });

  it('never throws on damaged files: 2,000 with random bytes changed', async () => {
    const originals = [fixture('restart-every-row.jpg'), fixture('grey-restart.jpg'), await (await colour()).jpeg().toBuffer()];
    const random = prng(7);
    let read = 0;
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from(originals[i % originals.length]!);
      const changes = 1 + Math.floor(random() * 4);
      for (let c = 0; c < changes; c++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const out = decodeJpegGrey(bytes, ALL_PIXELS, at(([1, 2, 4, 8] as const)[i % 4]!));
      if (out) {
        read++;
        expect(out.data.length).toBe(out.width * out.height);
      }
    }
    // most damage lands in the entropy-coded data, where a reader cannot tell it from pixels
    expect(read).toBeGreaterThan(0);
  });
});

/** Whether libvips, as the pipelines open files (failOn 'error'), decodes this one. */
const libvipsReads = (jpeg: Uint8Array) =>
  sharp(jpeg, { failOn: 'error' })
    .raw()
    .toBuffer()
    .then(
      () => true,
      () => false,
    );

describe('decodeJpegGrey: what libjpeg refuses, it leaves to sharp (one file, one verdict)', async () => {
  const colour = sharp(await photo(64, 48), { raw: { width: 64, height: 48, channels: 3 } });
  const sound: [string, Buffer][] = [
    ['libjpeg 1x2 sampling', fixture('sample-1x2.jpg')],
    ["sharp's 4:2:0", await colour.clone().jpeg().toBuffer()],
    ["sharp's optimised tables", await colour.clone().jpeg({ quality: 40, optimiseCoding: true }).toBuffer()],
  ];

  it.each(REFUSED_JPEGS.map((f) => [f.name, f.make] as const))('%s', async (_, make) => {
    for (const [name, jpeg] of sound) {
      expect(decodeJpegGrey(jpeg, ALL_PIXELS, at(1)), name).toBeDefined();
      const damaged = make(jpeg);
      expect(await libvipsReads(damaged), name).toBe(false);
      expect(decodeJpegGrey(damaged, ALL_PIXELS, at(1)), name).toBeUndefined();
    }
  });

  it.each(REFUSED_FLAT_JPEGS.map((f) => [f.name, f.sound, f.damaged] as const))('%s', async (_, soundTwin, damaged) => {
    expect(decodeJpegGrey(soundTwin, ALL_PIXELS, at(1))).toBeDefined();
    expect(await libvipsReads(damaged)).toBe(false);
    expect(decodeJpegGrey(damaged, ALL_PIXELS, at(1))).toBeUndefined();
  });

  it('still reads the oddities libjpeg reads: bytes after EOI, a scan ended by another marker, fill bytes, unusual component ids', async () => {
    const jpeg = sound[1]![1];
    const { data } = jpegParts(jpeg);
    const scanEnd = data.lastIndexOf(Buffer.from([0xff, 0xd9]));
    const readable = [
      Buffer.concat([jpeg, Buffer.from('trailing bytes')]),
      editJpeg(jpeg, () => undefined, Buffer.concat([data.subarray(0, scanEnd), Buffer.from([0xff, 0xfe, 0, 3, 0])])),
      editJpeg(jpeg, () => undefined, Buffer.concat([data.subarray(0, scanEnd), Buffer.from([0xff, 0xff, 0xff, 0xd9])])),
      flatJpeg(
        37,
        21,
        [5, 9, 7].map((id, i) => ({ id, h: i === 0 ? 2 : 1, v: i === 0 ? 2 : 1 })),
        60,
      ),
    ];
    for (const [i, file] of readable.entries()) {
      expect(await libvipsReads(file), `file ${i}`).toBe(true);
      expect(decodeJpegGrey(file, ALL_PIXELS, at(1)), `file ${i}`).toBeDefined();
    }
  });
});
