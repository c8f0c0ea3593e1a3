import { describe, expect, it } from 'vitest';
import { keepMainInk, SPECK_FRACTION } from '../../src/preprocess/components.js';
import { prng } from '../hostile/support/fixtures.js';

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

  it('agrees with a flood fill over random pictures: widths on and off sixteen, thresholds whole, fractional and out of range', () => {
    const random = prng(11);
    for (let trial = 0; trial < 300; trial++) {
      const width = 1 + Math.floor(random() * 70);
      const height = 1 + Math.floor(random() * 40);
      // blobs of ink on faint paper, with levels at and around the threshold
      const threshold = [100, 99.5, 59, 60, -3, 255, 300, Math.floor(random() * 256)][trial % 8]!;
      const whole = Math.floor(threshold);
      const data = new Uint8Array(width * height);
      for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 40);
      for (let blob = Math.floor(random() * 6); blob > 0; blob--) {
        const cx = random() * width;
        const cy = random() * height;
        const r = 0.5 + random() * 8;
        // a blob of the faintest ink, of the brightest paper, or of levels of all kinds
        const kind = Math.floor(random() * 3);
        const level = () => (kind === 0 ? whole + 1 : kind === 1 ? whole : 60 + Math.floor(random() * 196));
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) data[y * width + x] = Math.min(255, Math.max(0, level()));
          }
        }
      }
      const expected = floodFillReference(width, height, data, threshold);
      const picture = { width, height, data: Uint8Array.from(data) };
      expect(keepMainInk(picture, threshold), `trial ${trial}`).toEqual(expected.box);
      if (expected.box) expect(picture.data, `trial ${trial}`).toEqual(expected.data);
    }
  });
});

/** keepMainInk written plainly: 8-connected components by flood fill, those under SPECK_FRACTION of the largest erased. */
function floodFillReference(width: number, height: number, levels: Uint8Array, threshold: number) {
  const data = Uint8Array.from(levels);
  const label = new Int32Array(data.length).fill(-1);
  const components: number[][] = [];
  for (let start = 0; start < data.length; start++) {
    if (!(data[start]! > threshold) || label[start]! >= 0) continue;
    const pixels = [start];
    label[start] = components.length;
    for (let k = 0; k < pixels.length; k++) {
      const x = pixels[k]! % width;
      const y = Math.floor(pixels[k]! / width);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          const n = ny * width + nx;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height || label[n]! >= 0 || !(data[n]! > threshold)) continue;
          label[n] = components.length;
          pixels.push(n);
        }
      }
    }
    components.push(pixels);
  }
  if (components.length === 0) return { box: null, data };
  const largest = Math.max(...components.map((c) => c.length));
  const box = { x0: width, y0: height, x1: -1, y1: -1 };
  for (const component of components) {
    if (component.length < SPECK_FRACTION * largest) {
      for (const i of component) data[i] = 0;
      continue;
    }
    for (const i of component) {
      box.x0 = Math.min(box.x0, i % width);
      box.x1 = Math.max(box.x1, i % width);
      box.y0 = Math.min(box.y0, Math.floor(i / width));
      box.y1 = Math.max(box.y1, Math.floor(i / width));
    }
  }
  return { box, data };
}
