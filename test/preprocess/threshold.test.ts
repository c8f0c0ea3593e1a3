import { describe, expect, it } from 'vitest';
import { histogram, quantile } from '../../src/preprocess/histogram.js';
import { otsu, softInk } from '../../src/preprocess/threshold.js';

describe('quantile', () => {
  it('reads the level below which the share of the pixels lies', () => {
    const hist = histogram(Uint8Array.of(0, 0, 0, 10, 20, 200, 200, 255));
    expect(quantile(hist, 0.5)).toBe(10);
    expect(quantile(hist, 0.01)).toBe(0);
    expect(quantile(hist, 1)).toBe(255);
  });
});

describe('otsu', () => {
  it('splits two clusters between them and reports each class mean', () => {
    const levels = Uint8Array.from([...Array<number>(90).fill(10), ...Array<number>(10).fill(200)]);
    const split = otsu(histogram(levels));
    expect(split.threshold).toBeGreaterThanOrEqual(10);
    expect(split.threshold).toBeLessThan(200);
    expect(split.paperMean).toBe(10);
    expect(split.inkMean).toBe(200);
  });

  it('finds no contrast in a uniform picture', () => {
    const split = otsu(histogram(new Uint8Array(50).fill(7)));
    expect(split.inkMean - split.paperMean).toBeLessThanOrEqual(0);
  });
});

describe('softInk', () => {
  it('is 0 up to lo, 1 from hi, and linear between (the grey edges survive)', () => {
    expect(Array.from(softInk(Uint8Array.of(0, 50, 75, 100, 180), 50, 100))).toEqual([0, 0, 0.5, 1, 1]);
  });
});
