import { describe, expect, it } from 'vitest';
import { MIN_INK_CONTRAST, croppedInk, findInk } from '../../src/preprocess/ink.js';
import { noise } from './drawing.js';

const S = 60;
/** S x S paper at `paper`, with a 4 x 30 bar at `ink` (a 1), plus noise of `sigma`. */
function sheet(paper: number, ink: number, sigma = 0) {
  const n = noise(S * S, sigma, 3);
  const grey = Uint8Array.from({ length: S * S }, (_, i) => {
    const x = i % S;
    const y = Math.floor(i / S);
    const v = x >= 28 && x < 32 && y >= 15 && y < 45 ? ink : paper;
    return Math.max(0, Math.min(255, Math.round(v + n[i]!)));
  });
  return { width: S, height: S, grey, alpha: null };
}

describe('findInk', () => {
  it('finds a dark bar on light paper and crops to it', () => {
    const found = findInk(sheet(200, 40));
    expect(found.lightBackground).toBe(true);
    expect(found.fromAlpha).toBe(false);
    expect(found.box).not.toBeNull();
    const { ink } = croppedInk(found)!;
    expect(ink.height / ink.width).toBeGreaterThan(4);
  });

  it('calls a stroke fainter than MIN_INK_CONTRAST no digit, and one a little stronger a digit', () => {
    expect(findInk(sheet(200, 200 - (MIN_INK_CONTRAST - 10))).box).toBeNull();
    expect(findInk(sheet(200, 200 - (MIN_INK_CONTRAST + 10))).box).not.toBeNull();
  });

  it('calls noisy blank paper no digit, however loud the noise', () => {
    for (const sigma of [3, 12, 25]) {
      const found = findInk(sheet(150, 150, sigma));
      expect(found.box, `sigma ${sigma}`).toBeNull();
      expect(found.evidence.noise).toBeGreaterThan(sigma * 0.7);
    }
  });

  it('still finds a clear digit on noisy paper', () => {
    expect(findInk(sheet(200, 40, 12)).box).not.toBeNull();
  });

  it('calls a single dark dot no digit (dust on a sheet)', () => {
    const grey = new Uint8Array(100 * 100).fill(220);
    grey[50 * 100 + 50] = 10;
    expect(findInk({ width: 100, height: 100, grey, alpha: null }).box).toBeNull();
  });

  it('takes the ink from alpha when the background is transparent, whatever the colour', () => {
    const alpha = sheet(0, 255).grey;
    for (const colour of [0, 255]) {
      const found = findInk({ width: S, height: S, grey: new Uint8Array(S * S).fill(colour), alpha });
      expect(found.fromAlpha).toBe(true);
      expect(found.box).not.toBeNull();
    }
  });
});
