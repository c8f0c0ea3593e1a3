import { describe, expect, it } from 'vitest';
import { DIGIT_BOX, fitToBox } from '../../src/preprocess/fit.js';

/**
 * The reference the fit's kernel (assembly/crop.ts) is held to, bit for bit: how each output
 * index along one axis mixes source indices (output o mixes the source indices from `first[o]`
 * on, with the weights `weights[start[o]]` up to `weights[start[o + 1]]`), as the service
 * computed them in JavaScript before the fit became one kernel call.
 */
function axisTaps(inSize: number, outSize: number) {
  const ratio = inSize / outSize;
  const first = new Int32Array(outSize);
  const start = new Int32Array(outSize + 1);
  // an interval `ratio` long meets at most ceil(ratio) + 1 pixels; one more for its rounded ends
  const weights = new Float64Array(outSize * (Math.ceil(ratio) + 2));
  let n = 0;
  for (let o = 0; o < outSize; o++) {
    start[o] = n;
    if (ratio >= 1) {
      // area: source interval [o * ratio, (o + 1) * ratio), each pixel weighted by its overlap
      const a = o * ratio;
      const b = a + ratio;
      first[o] = Math.floor(a);
      const last = Math.min(inSize - 1, Math.ceil(b) - 1);
      for (let k = first[o]!; k <= last; k++) weights[n++] = (Math.min(b, k + 1) - Math.max(a, k)) / ratio;
      continue;
    }
    // linear between source pixel centres, clamped at the ends
    const s = Math.min(inSize - 1, Math.max(0, (o + 0.5) * ratio - 0.5));
    const left = Math.min(inSize - 2, Math.floor(s));
    if (left < 0) {
      weights[n++] = 1;
      continue;
    }
    first[o] = left;
    weights[n++] = 1 - (s - left);
    weights[n++] = s - left;
  }
  start[outSize] = n;
  return { first, start, weights };
}

/** axisTaps as one { first, weights } per output index */
function tapsOf(inSize: number, outSize: number) {
  const { first, start, weights } = axisTaps(inSize, outSize);
  return Array.from({ length: outSize }, (_, o) => ({ first: first[o]!, weights: weights.slice(start[o]!, start[o + 1]!) }));
}

const plane = (width: number, height: number, f: (x: number, y: number) => number) => ({
  width,
  height,
  data: Uint8Array.from({ length: width * height }, (_, i) => f(i % width, Math.floor(i / width))),
});

describe('the reference taps', () => {
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

/** fitToBox as written from the reference taps, one output pixel at a time (the same sums in the same order) */
function reference(
  ink: { width: number; data: Uint8Array },
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
    const ink = plane(50, 50, (x, y) => (x * 7 + y * 3) % 5);
    for (const box of [
      { x0: 3, y0: 4, x1: 45, y1: 44 },
      { x0: 3, y0: 4, x1: 45, y1: 45 },
      { x0: 10, y0: 20, x1: 12, y1: 20 },
    ]) {
      const out = fitToBox(ink, box);
      expect(out.data).toEqual(reference(ink, box, out.width, out.height));
    }
  });

  it('matches the reference bit for bit over crops shrunk and enlarged, of every shape up to 70 x 70', () => {
    const ink = plane(90, 90, (x, y) => Math.round(255 * Math.sin(x * 0.7 + y * 1.3) ** 2));
    for (let bw = 1; bw <= 70; bw += 3) {
      for (let bh = 1; bh <= 70; bh += 5) {
        const box = { x0: 90 - bw - (bw % 7), y0: bh % 11, x1: 90 - (bw % 7) - 1, y1: (bh % 11) + bh - 1 };
        const out = fitToBox(ink, box);
        expect(
          Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength).equals(
            Buffer.from(reference(ink, box, out.width, out.height).buffer),
          ),
        ).toBe(true);
      }
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
      plane(5, 10, (x) => x),
      { x0: 0, y0: 0, x1: 4, y1: 9 },
    );
    expect([out.width, out.height]).toEqual([10, DIGIT_BOX]);
    expect(out.data[0]).toBe(0);
    expect(out.data[9]).toBe(4);
    expect(out.data[5]! > out.data[4]!).toBe(true);
  });
});
