import { describe, expect, it } from 'vitest';
import { SUPERSAMPLE_SIDE, inkCoverage, supersampledCoverage, thresholdedCoverage } from '../../src/preprocess/coverage.js';

/** width x height levels from f(x, y) */
const plane = (width: number, height: number, f: (x: number, y: number) => number) => ({
  width,
  height,
  data: Uint8Array.from({ length: width * height }, (_, i) => f(i % width, Math.floor(i / width))),
});

describe('inkCoverage', () => {
  it('binarises a large crop as it is, at the threshold', () => {
    const levels = plane(120, 100, (x, y) => (x >= 10 && x < 110 && y >= 20 && y < 90 ? 200 : 30));
    const { ink, box } = inkCoverage(levels, { x0: 10, y0: 20, x1: 109, y1: 89 }, 100);
    expect([ink.width, ink.height]).toEqual([100, 70]);
    expect(box).toEqual({ x0: 0, y0: 0, x1: 99, y1: 69 });
    expect(ink.data.every((v) => v === 1)).toBe(true);
  });

  it('keeps a grey edge pixel of a small crop as partly covered', () => {
    // 20x20: ink on the left, a half-grey column 10, paper on the right
    const levels = plane(20, 20, (x) => (x < 10 ? 255 : x === 10 ? 128 : 0));
    const { ink } = inkCoverage(levels, { x0: 0, y0: 0, x1: 10, y1: 19 }, 100);
    const s = Math.ceil(SUPERSAMPLE_SIDE / 20);
    // the samples inside source column 10 (the crop starts at column 0: no room for a margin)
    const edge = Array.from({ length: s }, (_, k) => ink.data[10 * s + k]!);
    expect(edge).toContain(1);
    expect(edge).toContain(0);
  });

  it('reports no box when a faint lone pixel vanishes between the samples', () => {
    // just above the threshold, so the samples around its centre, mixed with the paper around it, fall below
    const levels = plane(9, 9, (x, y) => (x === 4 && y === 4 ? 101 : 0));
    expect(inkCoverage(levels, { x0: 4, y0: 4, x1: 4, y1: 4 }, 100).box).toBeNull();
  });

  it('fills the inside of a stroke as interpolating it would', () => {
    // a solid block of 100: at threshold 99 the blocks of samples inside it are filled whole;
    // at 99.6 (less than half a level below) they are interpolated sample by sample
    const levels = plane(16, 16, (x, y) => (x >= 4 && x < 12 && y >= 3 && y < 13 ? 100 : 10));
    const box = { x0: 4, y0: 3, x1: 11, y1: 12 };
    const filled = inkCoverage(levels, box, 99, 3);
    const interpolated = inkCoverage(levels, box, 99.6, 3);
    expect(filled.ink.data).toEqual(interpolated.ink.data);
    expect(filled.box).toEqual(interpolated.box);
    // the block's pixels are samples 3..26 across and 3..32 down (from the margin pixel at 3, 2);
    // the outer sample of each edge pixel, a third of a pixel from the paper, mixes in too much of it
    expect(filled.box).toEqual({ x0: 4, y0: 4, x1: 25, y1: 31 });
  });

  it('reads a crop at one sample per pixel exactly as the interpolating path does', () => {
    let seed = 3;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    let compared = 0;
    for (let k = 0; k < 300; k++) {
      const width = 1 + Math.floor(rnd() * 120);
      const height = 1 + Math.floor(rnd() * 120);
      // levels spread around the threshold, some flat stretches, some noise
      const threshold = Math.floor(rnd() * 256);
      const levels = plane(width, height, (x, y) => ((x * 7 + y * 3) % 5 === 0 ? threshold : Math.floor(rnd() * 256)));
      const x0 = Math.floor(rnd() * width);
      const y0 = Math.floor(rnd() * height);
      const box = { x0, y0, x1: x0 + Math.floor(rnd() * (width - x0)), y1: y0 + Math.floor(rnd() * (height - y0)) };
      const fast = thresholdedCoverage(levels, box, threshold);
      const general = supersampledCoverage(levels, box, threshold, 1);
      expect(fast.box).toEqual(general.box);
      expect(fast.ink.width).toBe(general.ink.width);
      expect(fast.ink.height).toBe(general.ink.height);
      expect(
        Buffer.from(fast.ink.data.buffer, fast.ink.data.byteOffset, fast.ink.data.byteLength).equals(
          Buffer.from(general.ink.data.buffer, general.ink.data.byteOffset, general.ink.data.byteLength),
        ),
      ).toBe(true);
      compared++;
    }
    expect(compared).toBe(300);
    // and inkCoverage takes it for a crop of SUPERSAMPLE_SIDE pixels or more
    const big = plane(100, 100, (x, y) => (x > 20 && x < 60 && y > 10 && y < 90 ? 200 : 0));
    expect(inkCoverage(big, { x0: 0, y0: 0, x1: 99, y1: 99 }, 100)).toEqual(
      thresholdedCoverage(big, { x0: 0, y0: 0, x1: 99, y1: 99 }, 100),
    );
  });
});
