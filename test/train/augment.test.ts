import { describe, expect, it } from 'vitest';
import { AUGMENT_LEVELS, Augmenter, SIDE, shiftWarp, warpImage } from '../../tools/train/augment.js';
import { Rng } from '../../tools/train/rng.js';

const PIXELS = SIDE * SIDE;
const at = (x: number, y: number): number => y * SIDE + x;

/** A 3x3 "digit" with different values, away from the borders. */
function blob(): Float32Array {
  const img = new Float32Array(PIXELS);
  for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) img[at(12 + dx, 12 + dy)] = 0.1 * (1 + dx + 3 * dy);
  return img;
}

describe('warpImage', () => {
  it('moves a single pixel right by 2 and down by 1 for a shift of (+2, +1)', () => {
    const src = new Float32Array(PIXELS);
    src[at(10, 7)] = 1;
    const dst = new Float32Array(PIXELS);
    warpImage(src, 0, dst, 0, shiftWarp(2, 1));
    expect(dst[at(12, 8)]).toBe(1);
    expect(dst.reduce((s, v) => s + v, 0)).toBe(1);
  });

  it('drops ink shifted out of the frame and brings in black', () => {
    const src = new Float32Array(PIXELS).fill(1);
    const dst = new Float32Array(PIXELS);
    warpImage(src, 0, dst, 0, shiftWarp(-3, 0));
    expect(dst[at(SIDE - 1, 5)]).toBe(0);
    expect(dst[at(SIDE - 3, 5)]).toBe(0);
    expect(dst[at(SIDE - 4, 5)]).toBe(1);
  });

  it('splits a half-pixel shift evenly between two neighbours (bilinear)', () => {
    const src = new Float32Array(PIXELS);
    src[at(10, 10)] = 1;
    const dst = new Float32Array(PIXELS);
    warpImage(src, 0, dst, 0, shiftWarp(0.5, 0));
    expect(dst[at(10, 10)]).toBeCloseTo(0.5, 6);
    expect(dst[at(11, 10)]).toBeCloseTo(0.5, 6);
  });

  it('reads and writes at the given row offsets', () => {
    const src = new Float32Array(3 * PIXELS);
    src.set(blob(), PIXELS);
    const dst = new Float32Array(2 * PIXELS);
    warpImage(src, PIXELS, dst, PIXELS, shiftWarp(0, 0));
    expect(dst.subarray(PIXELS)).toEqual(blob());
    expect(dst.subarray(0, PIXELS).every((v) => v === 0)).toBe(true);
  });
});

describe('Augmenter', () => {
  it.each(['light', 'elastic', 'strong'] as const)('keeps 784 values in 0..1 with the ink near where it was (%s)', (level) => {
    const augmenter = new Augmenter(AUGMENT_LEVELS[level], new Rng(5));
    const src = blob();
    const dst = new Float32Array(PIXELS);
    for (let k = 0; k < 200; k++) {
      augmenter.apply(src, 0, dst, 0);
      expect(dst.every((v) => v >= 0 && v <= 0.9 + 1e-6)).toBe(true);
      let mass = 0;
      let cx = 0;
      for (let i = 0; i < PIXELS; i++) {
        mass += dst[i]!;
        cx += dst[i]! * (i % SIDE);
      }
      // the blob's centre is at x = 13 and the shift never exceeds 2.5 px (plus the elastic wobble)
      expect(Math.abs(cx / mass - 13)).toBeLessThan(5);
    }
  });

  it('draws a different warp each time, and the same sequence for the same seed', () => {
    const run = (seed: number): Float32Array => {
      const augmenter = new Augmenter(AUGMENT_LEVELS.elastic, new Rng(seed));
      const out = new Float32Array(3 * PIXELS);
      for (let k = 0; k < 3; k++) augmenter.apply(blob(), 0, out, k * PIXELS);
      return out;
    };
    const a = run(9);
    expect(a).toEqual(run(9));
    expect(a.subarray(0, PIXELS)).not.toEqual(a.subarray(PIXELS, 2 * PIXELS));
    expect(a).not.toEqual(run(10));
  });
});
