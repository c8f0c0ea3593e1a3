/**
 * The WebAssembly kernels' memory (kernels.ts): callers place buffers on a stack and must leave
 * it as they found it, whatever happens, and results stay right when the memory has to grow
 * (growing detaches every earlier view of it).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { histogram } from '../src/preprocess/histogram.js';
import { preprocessImage } from '../src/preprocess/index.js';
import { decodeJpegGrey } from '../src/preprocess/jpeg.js';
import { kernels, place, reside, scoped, stackTop } from '../src/kernels.js';
import { DEFAULT_ALLOWED_FORMATS } from '../src/preprocess/decode.js';
import { prng } from './hostile/support/fixtures.js';
import { greyImage, onPaper, seven } from './preprocess/drawing.js';

const options = { mode: 'auto', limits: { maxInputPixels: 1 << 26, allowedFormats: DEFAULT_ALLOWED_FORMATS } } as const;

function counted(levels: Uint8Array): Uint32Array {
  const expected = new Uint32Array(256);
  for (const v of levels) expected[v]!++;
  return expected;
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
    const restart = readFileSync(new URL('./fixtures/jpeg/restart-every-row.jpg', import.meta.url));
    expect(decodeJpegGrey(restart, 1 << 20, () => 1)).toBeDefined();
    const answer = await preprocessImage(photo, options);
    expect(answer.noDigit).toBe(false);
    expect(stackTop()).toBe(before);
  });

  it('grows for a large picture, and gives the same counts before and after', () => {
    const random = prng(3);
    const small = Uint8Array.from({ length: 5000 }, () => Math.floor(random() * 256));
    const first = histogram(small);
    expect(first).toEqual(counted(small));
    const pages = kernels.memory.buffer.byteLength;
    const large = Uint8Array.from({ length: pages + 3 * 65536 }, () => Math.floor(random() * 256));
    expect(histogram(large)).toEqual(counted(large));
    expect(kernels.memory.buffer.byteLength).toBeGreaterThan(pages);
    expect(histogram(small)).toEqual(first);
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

  it('keeps blocks for good only between calls, when nothing is placed above them', () => {
    const top = stackTop();
    expect(() =>
      scoped(() => {
        place(8);
        return reside(new Float32Array(4));
      }),
    ).toThrow('reside() while buffers are placed');
    expect(stackTop()).toBe(top);
  });
});
