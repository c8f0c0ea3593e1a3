import { describe, expect, it } from 'vitest';
import { histogram, quantile } from '../../src/preprocess/histogram.js';
import { NOISE_FLOOR, otsuThreshold, splitInk } from '../../src/preprocess/threshold.js';

const levels = (...runs: [level: number, count: number][]) => histogram(Uint8Array.from(runs.flatMap(([v, n]) => Array<number>(n).fill(v))));

describe('quantile', () => {
  it('reads the level below which the share of the pixels lies', () => {
    const hist = histogram(Uint8Array.of(0, 0, 0, 10, 20, 200, 200, 255));
    expect(quantile(hist, 0.5)).toBe(10);
    expect(quantile(hist, 0.01)).toBe(0);
    expect(quantile(hist, 1)).toBe(255);
  });
});

describe('otsuThreshold', () => {
  it('splits two clusters between them', () => {
    const t = otsuThreshold(levels([10, 90], [200, 10]));
    expect(t).toBeGreaterThanOrEqual(10);
    expect(t).toBeLessThan(200);
  });
});

describe('splitInk', () => {
  it('reports each side of the split by its mean level', () => {
    expect(splitInk(levels([10, 90], [200, 10]), 0)).toMatchObject({ paperMean: 10, inkMean: 200 });
  });

  it('finds no contrast in a uniform picture', () => {
    const split = splitInk(levels([7, 50]), 0);
    expect(split.inkMean - split.paperMean).toBeLessThanOrEqual(0);
  });

  it('keeps a small digit on grainy paper: the threshold does not sink into the noise', () => {
    // 98.6% paper spread over 0..40 (noise sigma 8), 1.4% ink at 120
    const grainy = levels([0, 3000], [8, 2500], [16, 1500], [24, 700], [32, 250], [40, 50], [120, 110]);
    expect(otsuThreshold(grainy)).toBeLessThan(40);
    const split = splitInk(grainy, 8);
    expect(split.threshold).toBe(NOISE_FLOOR * 8);
    expect(split.inkMean).toBeGreaterThan(100);
  });
});
