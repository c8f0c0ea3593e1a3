import { describe, expect, it } from 'vitest';
import { CENTRE, centreOfMass, placeCentred } from '../../src/preprocess/centre.js';

const patch = (width: number, height: number, ink: [number, number, number][]) => {
  const data = new Float32Array(width * height);
  for (const [x, y, v] of ink) data[y * width + x] = v;
  return { width, height, data };
};

function comOf28(levels: Uint8Array): { x: number; y: number } {
  return centreOfMass({ width: 28, height: 28, data: Float32Array.from(levels) });
}

describe('centreOfMass', () => {
  it('weights positions by intensity', () => {
    expect(
      centreOfMass(
        patch(4, 2, [
          [0, 0, 1],
          [3, 1, 3],
        ]),
      ),
    ).toEqual({ x: 2.25, y: 0.75 });
  });
});

describe('placeCentred', () => {
  it('puts the centre of mass within half a pixel of (14, 14)', () => {
    const lopsided = patch(20, 12, [
      [8, 2, 1],
      [9, 2, 1],
      [19, 11, 0.5],
      [5, 6, 0.8],
    ]);
    const com = comOf28(placeCentred(lopsided));
    expect(Math.abs(com.x - CENTRE)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(com.y - CENTRE)).toBeLessThanOrEqual(0.5);
  });

  it('never pushes ink off the field', () => {
    const corner = patch(20, 20, [
      [0, 0, 1],
      [19, 19, 0.01],
    ]);
    const out = placeCentred(corner);
    expect(out.reduce((n, v) => n + (v > 0 ? 1 : 0), 0)).toBe(2);
  });

  it('maps ink 0..1 to levels 0..255', () => {
    const out = placeCentred(patch(1, 1, [[0, 0, 0.5]]));
    expect(out[CENTRE * 28 + CENTRE]).toBe(128);
  });
});
