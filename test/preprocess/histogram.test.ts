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

  it('reads a stretch of running counts, less the counts before it, as the stretch on its own', () => {
    // running counts of three groups of levels: one group's quantiles from the running counts
    // are those of its own histogram, at every q, from either end
    const groups = [0, 1, 2].map((g) => Uint8Array.from({ length: 300 + 50 * g }, (_, i) => (i * (7 + g) + 31 * g) % (90 + 80 * g)));
    const running = new Uint32Array(4 * 256);
    groups.forEach((levels, g) => {
      running.copyWithin((g + 1) * 256, g * 256, (g + 1) * 256);
      for (const v of levels) running[(g + 1) * 256 + v]!++;
    });
    for (const [g, levels] of groups.entries()) {
      const own = histogram(levels);
      for (const q of [0.001, 0.05, 0.25, 0.5, 0.75, 0.999]) {
        expect(quantile(running, q, levels.length, (g + 1) * 256, 256, g * 256)).toBe(quantile(own, q));
      }
    }
  });
});
