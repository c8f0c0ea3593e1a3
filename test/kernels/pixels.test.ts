/**
 * The pixel kernels' memory (src/kernels/pixels.ts): callers place buffers on a stack and must leave
 * it as they found it, whatever happens, and results stay right when the memory has to grow
 * (growing detaches every earlier view of it).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { keepMainInk } from '../../src/preprocess/components.js';
import { preprocessImage } from '../../src/preprocess/index.js';
import { decodeJpegGrey } from '../../src/preprocess/jpeg.js';
import { pixelKernels, place, scoped, stackTop } from '../../src/kernels/pixels.js';
import { DEFAULT_ALLOWED_FORMATS } from '../../src/preprocess/decode.js';
import type { Box, Plane } from '../../src/preprocess/plane.js';
import { greyImage, onPaper, seven } from '../preprocess/drawing.js';

const options = { mode: 'auto', limits: { maxInputPixels: 1 << 26, allowedFormats: DEFAULT_ALLOWED_FORMATS } } as const;

/** A `width` x `height` picture of ink levels: `block` filled with ink, and one speck of ink at `speck`. */
function blockAndSpeck(width: number, height: number, block: Box, speck: readonly [number, number]): Plane {
  const data = new Uint8Array(width * height);
  for (let y = block.y0; y <= block.y1; y++) data.fill(200, y * width + block.x0, y * width + block.x1 + 1);
  data[speck[1] * width + speck[0]] = 200;
  return { width, height, data };
}

/** keepMainInk's box, with the picture left: the block alone (the speck erased) and nothing else touched. */
function expectBlockKept(picture: Plane, block: Box): void {
  const expected = blockAndSpeck(picture.width, picture.height, block, [block.x0, block.y0]);
  expect(keepMainInk(picture, 100)).toEqual(block);
  expect(Buffer.from(picture.data).equals(Buffer.from(expected.data))).toBe(true);
}

describe('the kernels memory', () => {
  it('is left as it was by every call, read or refused', async () => {
    const photo = await greyImage(onPaper(seven(280, 280), 220, 40), 280, 280)
      .jpeg({ quality: 85 })
      .toBuffer();
    const before = stackTop();
    expect(decodeJpegGrey(photo, 1 << 20, () => 2)).toBeDefined();
    // cut in the middle of its entropy-coded data: the scan's kernel refuses it
    expect(decodeJpegGrey(photo.subarray(0, photo.length - 200), 1 << 20, () => 2)).toBeUndefined();
    const restart = readFileSync(new URL('../fixtures/jpeg/restart-every-row.jpg', import.meta.url));
    expect(decodeJpegGrey(restart, 1 << 20, () => 1)).toBeDefined();
    const answer = await preprocessImage(photo, options);
    expect(answer.noDigit).toBe(false);
    expect(stackTop()).toBe(before);
  });

  it('grows for a large picture, and gives the same results before and after', () => {
    const smallBlock = { x0: 10, y0: 5, x1: 30, y1: 25 };
    expectBlockKept(blockAndSpeck(50, 40, smallBlock, [45, 35]), smallBlock);
    const bytes = pixelKernels().memory.buffer.byteLength;
    // the picture and keepMainInk's scratch (more bytes per pixel than the picture) past the memory's end
    const width = 1000;
    const height = Math.ceil((bytes + 3 * 65536) / width);
    const largeBlock = { x0: 700, y0: height - 200, x1: 900, y1: height - 20 };
    expectBlockKept(blockAndSpeck(width, height, largeBlock, [5, height - 1]), largeBlock);
    expect(pixelKernels().memory.buffer.byteLength).toBeGreaterThan(bytes);
    expectBlockKept(blockAndSpeck(50, 40, smallBlock, [45, 35]), smallBlock);
  });

  it('places 8-byte aligned buffers above one another, and frees them all as scoped returns or throws', () => {
    const top = stackTop();
    const [a, b] = scoped(() => {
      const first = place(3);
      return [first, place(16)];
    });
    expect(a % 8).toBe(0);
    expect(b % 8).toBe(0);
    expect(b).toBeGreaterThanOrEqual(a + 3);
    expect(stackTop()).toBe(top);
    expect(() =>
      scoped(() => {
        place(100);
        throw new Error('a bug in a caller');
      }),
    ).toThrow('a bug in a caller');
    expect(stackTop()).toBe(top);
    expect(scoped(() => place(3))).toBe(a);
  });
});
