import { describe, expect, it } from 'vitest';
import { histogram, quantile } from '../../src/preprocess/histogram.js';

describe('histogram', () => {
  it('counts every level, whether the pixels are even or odd in number', () => {
    for (const n of [0, 1, 2, 7, 1000, 1001]) {
      const levels = Uint8Array.from({ length: n }, (_, i) => ((i * 37) % 11 === 0 ? 255 : (i >> 3) % 256));
      const expected = new Uint32Array(256);
      for (const v of levels) expected[v]!++;
      expect(histogram(levels)).toEqual(expected);
    }
  });
});

describe('quantile', () => {
  it('reads the same level from either end', () => {
    const hist = histogram(Uint8Array.from({ length: 100 }, (_, i) => i));
    expect(quantile(hist, 0.25)).toBe(24);
    expect(quantile(hist, 0.75)).toBe(74);
  });
});
