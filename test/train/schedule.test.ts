import { describe, expect, it } from 'vitest';
import { learningRate } from '../../tools/train/schedule.js';

const s = { lr: 0.01, minLr: 0.001, warmupSteps: 10, totalSteps: 110 };

describe('learningRate', () => {
  it('warms up linearly to the peak', () => {
    expect(learningRate(0, s)).toBeCloseTo(0.001, 12);
    expect(learningRate(4, s)).toBeCloseTo(0.005, 12);
    expect(learningRate(9, s)).toBeCloseTo(0.01, 12);
  });

  it('decays along a cosine from the peak to the minimum at the last step', () => {
    expect(learningRate(10, s)).toBeCloseTo(0.01, 12);
    expect(learningRate(10 + 99 / 2, s)).toBeCloseTo(0.0055, 12);
    expect(learningRate(109, s)).toBeCloseTo(0.001, 12);
    for (let t = 11; t < 110; t++) expect(learningRate(t, s)).toBeLessThan(learningRate(t - 1, s));
  });

  it('starts at the peak without warm-up', () => {
    expect(learningRate(0, { ...s, warmupSteps: 0 })).toBeCloseTo(0.01, 12);
  });
});
