import { describe, expect, it } from 'vitest';
import { DIGIT_BOX, axisTaps, fitToBox } from '../../src/preprocess/fit.js';

/** axisTaps as one { first, weights } per output index */
function tapsOf(inSize: number, outSize: number) {
  const { first, start, weights } = axisTaps(inSize, outSize);
  return Array.from({ length: outSize }, (_, o) => ({ first: first[o]!, weights: weights.slice(start[o]!, start[o + 1]!) }));
}

const plane = (width: number, height: number, f: (x: number, y: number) => number) => ({
  width,
  height,
  data: Float32Array.from({ length: width * height }, (_, i) => f(i % width, Math.floor(i / width))),
});

describe('axisTaps', () => {
  it('averages areas when shrinking: weights sum to 1 and cover the source once', () => {
    const taps = tapsOf(7, 3);
    const cover = new Float64Array(7);
    for (const { first, weights } of taps) {
      expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      weights.forEach((w, k) => (cover[first + k]! += w * (7 / 3)));
    }
    for (const c of cover) expect(c).toBeCloseTo(1, 12);
  });

  it('interpolates between the two nearest pixels when enlarging, clamped at the ends', () => {
    const taps = tapsOf(3, 6);
    expect(taps[0]).toEqual({ first: 0, weights: Float64Array.of(1, 0) });
    expect(taps[2]).toEqual({ first: 0, weights: Float64Array.of(0.25, 0.75) });
    expect(taps[5]).toEqual({ first: 1, weights: Float64Array.of(0, 1) });
    expect(tapsOf(1, 4)).toEqual(Array.from({ length: 4 }, () => ({ first: 0, weights: Float64Array.of(1) })));
  });
});

/** fitToBox as written from the taps, one output pixel at a time (the same sums in the same order) */
function reference(
  ink: { width: number; data: Float32Array },
  box: { x0: number; y0: number; x1: number; y1: number },
  ow: number,
  oh: number,
) {
  const bw = box.x1 - box.x0 + 1;
  const bh = box.y1 - box.y0 + 1;
  const rows = new Float32Array(bh * ow);
  tapsOf(bw, ow).forEach(({ first, weights }, o) => {
    for (let y = 0; y < bh; y++) {
      let acc = 0;
      weights.forEach((w, k) => (acc += w * ink.data[(box.y0 + y) * ink.width + box.x0 + first + k]!));
      rows[y * ow + o] = acc;
    }
  });
  const out = new Float32Array(oh * ow);
  tapsOf(bh, oh).forEach(({ first, weights }, o) => {
    for (let x = 0; x < ow; x++) {
      let acc = 0;
      weights.forEach((w, k) => (acc += w * rows[(first + k) * ow + x]!));
      out[o * ow + x] = acc;
    }
  });
  return out;
}

describe('fitToBox', () => {
  it('sums exactly what the taps say, for an odd and an even number of rows', () => {
    const ink = plane(50, 50, (x, y) => ((x * 7 + y * 3) % 5) / 4);
    for (const box of [
      { x0: 3, y0: 4, x1: 45, y1: 44 },
      { x0: 3, y0: 4, x1: 45, y1: 45 },
      { x0: 10, y0: 20, x1: 12, y1: 20 },
    ]) {
      const out = fitToBox(ink, box);
      expect(out.data).toEqual(reference(ink, box, out.width, out.height));
    }
  });

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
