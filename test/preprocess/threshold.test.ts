import { describe, expect, it } from 'vitest';
import { histogram, quantile } from '../../src/preprocess/histogram.js';
import { NOISE_FLOOR, otsuThreshold, splitInk } from '../../src/preprocess/threshold.js';

const levels = (...runs: [level: number, count: number][]) =>
  histogram(Uint8Array.from(runs.flatMap(([v, n]) => Array<number>(n).fill(v))));

describe('quantile', () => {
  it('reads the level below which the share of the pixels lies', () => {
    const hist = histogram(Uint8Array.of(0, 0, 0, 10, 20, 200, 200, 255));
    expect(quantile(hist, 0.5)).toBe(10);
    expect(quantile(hist, 0.01)).toBe(0);
    expect(quantile(hist, 1)).toBe(255);
  });

  it('reads upper quantiles, counted from the top, as the definition does', () => {
    const hist = histogram(Uint8Array.of(0, 3, 3, 7, 7, 7, 9, 200, 200, 255));
    const byDefinition = (q: number) => {
      let seen = 0;
      for (let v = 0; v < 256; v++) if ((seen += hist[v]!) >= Math.max(1, Math.ceil(q * 10))) return v;
      return 255;
    };
    for (let k = 0; k <= 20; k++) expect(quantile(hist, k / 20)).toBe(byDefinition(k / 20));
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
    // paper with a long grainy tail (exponential, mean and sigma 10 levels), 0.9% ink around 100
    const grainy = new Uint32Array(256);
    for (let v = 0; v <= 80; v++) grainy[v] = Math.round(4000 * Math.exp(-v / 10));
    for (let v = 90; v < 110; v++) grainy[v] = 20;
    expect(otsuThreshold(grainy)).toBeLessThan(30);
    const split = splitInk(grainy, 10);
    expect(split.threshold).toBe(NOISE_FLOOR * 10);
    expect(split.inkMean - split.paperMean).toBeGreaterThan(55);
  });
});
