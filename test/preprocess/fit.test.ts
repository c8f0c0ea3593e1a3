import { describe, expect, it } from 'vitest';
import { DIGIT_BOX, axisTaps, fitToBox } from '../../src/preprocess/fit.js';

const plane = (width: number, height: number, f: (x: number, y: number) => number) => ({
  width,
  height,
  data: Float32Array.from({ length: width * height }, (_, i) => f(i % width, Math.floor(i / width))),
});

describe('axisTaps', () => {
  it('averages areas when shrinking: weights sum to 1 and cover the source once', () => {
    const taps = axisTaps(7, 3);
    const cover = new Float64Array(7);
    for (const { first, weights } of taps) {
      expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      weights.forEach((w, k) => (cover[first + k]! += w * (7 / 3)));
    }
    for (const c of cover) expect(c).toBeCloseTo(1, 12);
  });
});

describe('fitToBox', () => {
  it('scales the longer side to 20 and keeps the aspect ratio', () => {
    const out = fitToBox(
      plane(100, 100, () => 1),
      { x0: 10, y0: 30, x1: 89, y1: 69 },
    );
    expect([out.width, out.height]).toEqual([DIGIT_BOX, 10]);
    expect(Math.min(...out.data)).toBeCloseTo(1, 6);
  });

  it('turns fine stripes into their average grey instead of aliasing them', () => {
    const out = fitToBox(
      plane(80, 80, (x) => x % 2),
      { x0: 0, y0: 0, x1: 79, y1: 79 },
    );
    for (const v of out.data) expect(v).toBeCloseTo(0.5, 6);
  });

  it('enlarges a tiny crop by interpolating, within the source range', () => {
    const out = fitToBox(
      plane(5, 10, (x) => x / 4),
      { x0: 0, y0: 0, x1: 4, y1: 9 },
    );
    expect([out.width, out.height]).toEqual([10, DIGIT_BOX]);
    expect(out.data[0]).toBe(0);
    expect(out.data[9]).toBe(1);
    expect(out.data[5]! > out.data[4]!).toBe(true);
  });
});
