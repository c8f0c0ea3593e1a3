import { describe, expect, it } from 'vitest';
import { histogram } from '../../src/preprocess/histogram.js';
import { hasLightBackground } from '../../src/preprocess/polarity.js';

/** 100x100 paper with a 10x10 block of ink in the middle, plus whatever `paint` adds. */
function sheet(paper: number, ink: number, paint: (x: number, y: number) => number = () => 0): Uint8Array {
  return Uint8Array.from({ length: 100 * 100 }, (_, i) => {
    const x = i % 100;
    const y = Math.floor(i / 100);
    const v = x >= 45 && x < 55 && y >= 45 && y < 55 ? ink : paper + paint(x, y);
    return Math.max(0, Math.min(255, v));
  });
}

describe('hasLightBackground', () => {
  it('says light for dark pen on white paper', () => {
    expect(hasLightBackground(histogram(sheet(230, 30)))).toBe(true);
  });

  it('says dark for white ink on black (MNIST)', () => {
    expect(hasLightBackground(histogram(sheet(0, 255)))).toBe(false);
  });

  it('is not fooled by a vignette darkening the corners of light paper', () => {
    const vignette = (x: number, y: number) => -0.012 * ((x - 50) ** 2 + (y - 50) ** 2);
    expect(hasLightBackground(histogram(sheet(220, 40, vignette)))).toBe(true);
  });

  it('is not fooled by a gradient on a dark board with chalk', () => {
    expect(hasLightBackground(histogram(sheet(40, 230, (x) => x / 2)))).toBe(false);
  });
});
