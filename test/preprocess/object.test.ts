/**
 * The `plain` profile's pixels (a clothing model's): the whole picture, grey, its longest side
 * 28, light on dark, centred; a 28x28 picture on a dark ground unchanged, as Fashion-MNIST's
 * own files must be.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALLOWED_FORMATS, objectPixels } from '../../src/preprocess/decode.js';
import { placeObject } from '../../src/preprocess/object.js';

const limits = { maxInputPixels: 1_000_000, allowedFormats: DEFAULT_ALLOWED_FORMATS };
const png = (grey: Uint8Array, width: number, height: number) =>
  sharp(grey, { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();

describe('placeObject', () => {
  it('centres a smaller picture on black and keeps a dark ground as it is', () => {
    const grey = new Uint8Array(28 * 14).fill(0);
    grey[5 * 28 + 10] = 200;
    const out = placeObject(grey, 28, 14);
    expect(out.length).toBe(784);
    expect(out[(7 + 5) * 28 + 10]).toBe(200);
    expect(out.reduce((a, b) => a + b, 0)).toBe(200);
  });

  it('inverts a light ground, so the object is light on dark', () => {
    const grey = new Uint8Array(10 * 10).fill(250);
    grey[5 * 10 + 5] = 20;
    const out = placeObject(grey, 10, 10);
    expect(out[(9 + 5) * 28 + 9 + 5]).toBe(235);
    expect(out[(9 + 0) * 28 + 9]).toBe(5);
    expect(out[0]).toBe(0);
  });

  it('refuses more than 28 pixels a side', () => {
    expect(() => placeObject(new Uint8Array(29 * 28), 29, 28)).toThrow(RangeError);
  });
});

describe('objectPixels', () => {
  it('reads a 28x28 picture on a dark ground bit for bit', async () => {
    const grey = Uint8Array.from({ length: 784 }, (_, i) => (i % 28 > 3 && i % 28 < 24 && i > 200 && i < 600 ? (i * 7) % 256 : 0));
    expect(Buffer.from(await objectPixels(await png(grey, 28, 28), limits))).toEqual(Buffer.from(grey));
  });

  it('shrinks a photo of a dark object on white to its longest side 28, inverted and centred', async () => {
    // 56 wide, 112 tall: a dark bar down the middle of a white picture
    const grey = Uint8Array.from({ length: 56 * 112 }, (_, i) => (i % 56 >= 20 && i % 56 < 36 ? 30 : 255));
    const out = await objectPixels(await png(grey, 56, 112), limits);
    const column = (x: number) => Array.from({ length: 28 }, (_, y) => out[y * 28 + x]!);
    // the picture became 14x28 and sits in columns 7..20; the bar (columns 5..8 of it) is light now
    expect(column(0)).toEqual(new Array(28).fill(0));
    expect(column(27)).toEqual(new Array(28).fill(0));
    expect(Math.min(...column(7 + 6))).toBeGreaterThan(200);
    expect(Math.max(...column(7 + 1))).toBe(0);
  });
});
