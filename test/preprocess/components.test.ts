import { describe, expect, it } from 'vitest';
import { keepMainInk } from '../../src/preprocess/components.js';

/** A 30x20 picture of levels: 200 in each [x0, y0, x1, y1] rectangle (inclusive), 0 elsewhere. */
function levels(...rects: [number, number, number, number][]): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(30 * 20);
  for (const [x0, y0, x1, y1] of rects) {
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) data[y * 30 + x] = 200;
  }
  return { width: 30, height: 20, data };
}

describe('keepMainInk', () => {
  it('erases a far speck and crops to the digit alone', () => {
    const img = levels([10, 5, 14, 15], [28, 0, 28, 0]);
    expect(keepMainInk(img, 100)).toEqual({ x0: 10, y0: 5, x1: 14, y1: 15 });
    expect(img.data[28]).toBe(0);
  });

  it('keeps a separate part of the digit that is as large as one (the bar of a 5)', () => {
    expect(keepMainInk(levels([10, 8, 14, 15], [10, 2, 18, 4]), 100)).toEqual({ x0: 10, y0: 2, x1: 18, y1: 15 });
  });

  it('joins diagonal neighbours into one stroke', () => {
    expect(keepMainInk(levels([0, 0, 0, 0], [1, 1, 1, 1], [2, 2, 2, 2]), 100)).toEqual({ x0: 0, y0: 0, x1: 2, y1: 2 });
  });

  it('joins the arms of a U, apart until its bottom, into one stroke', () => {
    const img = levels([5, 2, 5, 10], [12, 2, 12, 10], [5, 10, 12, 10], [28, 19, 28, 19]);
    expect(keepMainInk(img, 100)).toEqual({ x0: 5, y0: 2, x1: 12, y1: 10 });
    expect(img.data[19 * 30 + 28]).toBe(0);
  });

  it('counts only levels above the threshold as ink', () => {
    expect(keepMainInk(levels([3, 3, 5, 5]), 200)).toBeNull();
  });
});
