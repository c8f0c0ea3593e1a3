/**
 * labelComponents joins runs of ink with a union-find: it must label exactly as a plain flood
 * fill over the eight neighbours does, numbering components by their first pixel row by row.
 */
import { describe, expect, it } from 'vitest';
import type { Plane } from '../../src/preprocess/plane.js';
import { labelComponents, type Labelled } from '../../src/read/components.js';

/** The reference: a flood fill from each unlabelled ink pixel, in raster order. */
function floodFill({ width: w, height: h, data }: Plane): Omit<Labelled, 'runs'> {
  const labels = new Int32Array(w * h);
  const components: Labelled['components'] = [];
  for (let start = 0; start < data.length; start++) {
    if (!data[start] || labels[start]) continue;
    const label = components.length + 1;
    const stack = [start];
    labels[start] = label;
    let [x0, y0, x1, y1, area] = [w, h, -1, -1, 0];
    while (stack.length > 0) {
      const p = stack.pop()!;
      const [x, y] = [p % w, Math.floor(p / w)];
      [x0, x1, y0, y1, area] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y), area + 1];
      for (let ny = Math.max(0, y - 1); ny <= Math.min(h - 1, y + 1); ny++) {
        for (let nx = Math.max(0, x - 1); nx <= Math.min(w - 1, x + 1); nx++) {
          const q = ny * w + nx;
          if (!data[q] || labels[q]) continue;
          labels[q] = label;
          stack.push(q);
        }
      }
    }
    components.push({ label, area, x0, y0, x1, y1 });
  }
  return { labels, components };
}

/** A deterministic pseudo-random mask with about `density` of its pixels set. */
function randomMask(width: number, height: number, density: number, seed: number): Plane {
  let state = seed;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return { width, height, data: Uint8Array.from({ length: width * height }, () => (next() < density ? 1 : 0)) };
}

describe('labelComponents', () => {
  it('labels as a flood fill does, on masks sparse to dense and thin to wide', () => {
    for (const [width, height] of [
      [1, 1],
      [1, 17],
      [23, 1],
      [40, 30],
      [97, 61],
    ] as const) {
      for (const density of [0, 0.1, 0.35, 0.5, 0.65, 1]) {
        for (let seed = 1; seed <= 5; seed++) {
          const mask = randomMask(width, height, density, seed * 7919 + width);
          const { labels, components, runs } = labelComponents(mask);
          expect({ labels, components }).toEqual(floodFill(mask));
          expect(runs.x0.reduce((sum, x0, k) => sum + runs.x1[k]! - x0 + 1, 0)).toBe(mask.data.reduce((a, b) => a + b, 0));
        }
      }
    }
  });

  it('joins runs that meet only at a corner, two started apart into the first, numbered by their first pixel', () => {
    const data = Uint8Array.from([1, 1, 0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0]);
    const { labels, components, runs } = labelComponents({ width: 5, height: 3, data });
    expect(Array.from(labels)).toEqual([1, 1, 0, 0, 1, 0, 0, 1, 0, 1, 2, 0, 0, 1, 0]);
    expect(components).toEqual([
      { label: 1, area: 6, x0: 0, y0: 0, x1: 4, y1: 2 },
      { label: 2, area: 1, x0: 0, y0: 2, x1: 0, y1: 2 },
    ]);
    expect(runs).toEqual({
      x0: [0, 4, 2, 4, 0, 3],
      x1: [1, 4, 2, 4, 0, 3],
      y: [0, 0, 1, 1, 2, 2],
      label: Int32Array.from([1, 1, 1, 1, 2, 1]),
    });
  });
});
