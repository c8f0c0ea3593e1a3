/**
 * /read's two decodes: a small baseline JPEG read on the thread (decodeSmallLine) gives the
 * picture decodeLine (sharp) gives, at the same size and within a few levels; everything else
 * is left to sharp.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { checkedSize } from '../../src/preprocess/decode.js';
import type { GreyImage } from '../../src/preprocess/ink.js';
import { decodeLine, decodeSmallLine, LINE_SIDE } from '../../src/read/decode-line.js';
import { greyImage, onPaper, strokes, type Segment } from '../preprocess/drawing.js';
import { LIMITS } from './read-picture.js';

/** Three strokes of a pen across a wide strip: a line of writing's worth of edges. */
function writing(width: number, height: number): Uint8Array {
  const segments: Segment[] = [];
  for (let x = 0.1 * width; x < 0.9 * width; x += 0.2 * width) {
    segments.push([x, 0.2 * height, x + 0.08 * width, 0.8 * height], [x, 0.5 * height, x + 0.1 * width, 0.5 * height]);
  }
  return strokes(width, height, segments, Math.max(2, height / 30));
}

const greyJpeg = (width: number, height: number) =>
  greyImage(onPaper(writing(width, height), 225, 35), width, height)
    .jpeg({ quality: 85 })
    .toBuffer();

/** Blue ink on warm paper, chroma subsampled: the usual phone photo's layout. */
const colourJpeg = (width: number, height: number) =>
  greyImage(onPaper(writing(width, height), 225, 35), width, height)
    .toColourspace('srgb')
    .tint({ r: 40, g: 60, b: 170 })
    .jpeg({ quality: 85 })
    .toBuffer();

async function onThread(bytes: Buffer, limits = LIMITS): Promise<GreyImage | undefined> {
  return decodeSmallLine(bytes, await checkedSize(bytes, limits), limits);
}

describe('decodeSmallLine', () => {
  it.each([
    ['grey', greyJpeg],
    ['colour 4:2:0', colourJpeg],
  ])("a %s JPEG of a line: decodeLine's size and levels within a few", async (_, make) => {
    const jpeg = await make(430, 160);
    const mine = await onThread(jpeg);
    const sharps = await decodeLine(jpeg, LIMITS);
    expect(mine).toBeDefined();
    expect([mine!.width, mine!.height, mine!.alpha]).toEqual([sharps.width, sharps.height, null]);
    let [max, sum] = [0, 0];
    for (let i = 0; i < sharps.grey.length; i++) {
      const d = Math.abs(sharps.grey[i]! - mine!.grey[i]!);
      max = Math.max(max, d);
      sum += d;
    }
    // Y against RGB weighted back to grey: tinted ink differs by a few levels at most
    expect(max).toBeLessThanOrEqual(4);
    expect(sum / sharps.grey.length).toBeLessThan(0.5);
  });

  it('leaves to sharp a picture decodeLine shrinks, a PNG, a progressive JPEG, and a JPEG when JPEG is not accepted', async () => {
    expect(await onThread(await greyJpeg(LINE_SIDE + 8, 200))).toBeUndefined();
    expect(await onThread(await greyJpeg(LINE_SIDE, 200))).toBeDefined();
    const png = await greyImage(onPaper(writing(300, 100), 225, 35), 300, 100)
      .png()
      .toBuffer();
    expect(await onThread(png)).toBeUndefined();
    const progressive = await sharp(await greyJpeg(300, 100))
      .jpeg({ progressive: true })
      .toBuffer();
    expect(await onThread(progressive)).toBeUndefined();
    const pngOnly = { ...LIMITS, allowedFormats: new Set(['png' as const]) };
    const jpeg = await greyJpeg(300, 100);
    expect(decodeSmallLine(jpeg, { width: 300, height: 100 }, pngOnly)).toBeUndefined();
  });
});
