import { describe, expect, it } from 'vitest';
import { flattenOnWhite, hasTransparentBackground } from '../../src/preprocess/alpha.js';

/** 10x10 alpha: `border` around, `inside` within. */
const alpha = (border: number, inside: number) =>
  Uint8Array.from({ length: 100 }, (_, i) => {
    const x = i % 10;
    const y = Math.floor(i / 10);
    return x === 0 || y === 0 || x === 9 || y === 9 ? border : inside;
  });

describe('hasTransparentBackground', () => {
  it('is true for a transparent canvas with opaque strokes', () => {
    expect(hasTransparentBackground(alpha(0, 255), 10, 10)).toBe(true);
  });

  it('is false for an opaque picture that merely carries an alpha channel', () => {
    expect(hasTransparentBackground(alpha(255, 255), 10, 10)).toBe(false);
    expect(hasTransparentBackground(alpha(255, 0), 10, 10)).toBe(false);
  });
});

describe('flattenOnWhite', () => {
  it('shows transparent pixels as white and opaque ones as they are', () => {
    expect(Array.from(flattenOnWhite(Uint8Array.of(0, 0, 100), Uint8Array.of(0, 255, 255)))).toEqual([255, 0, 100]);
  });
});
