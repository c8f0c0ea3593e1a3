import { describe, expect, it } from 'vitest';
import { subtractBackground } from '../../src/preprocess/background.js';
import { histogram } from '../../src/preprocess/histogram.js';
import { hasLightBackground } from '../../src/preprocess/polarity.js';
import { noise } from './drawing.js';

const W = 120;
const H = 90;
const at = (levels: Uint8Array, x: number, y: number) => levels[y * W + x]!;

/** Ink-bright picture: a steep lighting ramp (20 -> 110 across), plus ink of +120 where `ink` says. */
function lit(ink: (x: number, y: number) => boolean, sigma = 0): Uint8Array {
  const n = noise(W * H, sigma);
  return Uint8Array.from({ length: W * H }, (_, i) => {
    const x = i % W;
    const y = Math.floor(i / W);
    return Math.max(0, Math.min(255, Math.round(20 + (90 * x) / W + (ink(x, y) ? 120 : 0) + n[i]!)));
  });
}

describe('subtractBackground', () => {
  it('flattens a lighting ramp and keeps the stroke at its contrast', () => {
    const stroke = (x: number) => x >= 60 && x < 64;
    const { levels } = subtractBackground({ width: W, height: H, data: lit(stroke) }, false);
    expect(at(levels, 5, 10)).toBeLessThanOrEqual(8);
    expect(at(levels, 110, 80)).toBeLessThanOrEqual(8);
    expect(at(levels, 61, 40)).toBeGreaterThan(105);
  });

  it('still finds the paper under a blot that covers most of a cell', () => {
    const blot = (x: number, y: number) => x >= 30 && x < 55 && y >= 30 && y < 55;
    const { levels } = subtractBackground({ width: W, height: H, data: lit(blot) }, false);
    expect(at(levels, 42, 42)).toBeGreaterThan(105);
  });

  it('measures the paper noise as its standard deviation', () => {
    const { noise: sigma } = subtractBackground({ width: W, height: H, data: lit(() => false, 6) }, false);
    expect(sigma).toBeGreaterThan(4.5);
    expect(sigma).toBeLessThan(7.5);
  });

  it('reads dark ink on light paper as the same ink strength as its negative', () => {
    const stroke = (x: number) => x >= 60 && x < 64;
    const bright = lit(stroke, 4);
    const dark = bright.map((v) => 255 - v);
    const a = subtractBackground({ width: W, height: H, data: bright }, false);
    const b = subtractBackground({ width: W, height: H, data: dark }, true);
    let worst = 0;
    for (let i = 0; i < W * H; i++) worst = Math.max(worst, Math.abs(a.levels[i]! - b.levels[i]!));
    expect(worst).toBeLessThanOrEqual(1);
    expect(b.noise).toBeCloseTo(a.noise, 0);
  });

  it('counts every level in its histogram', () => {
    const r = subtractBackground({ width: W, height: H, data: lit(() => false) }, false);
    expect(r.histogram.reduce((a, b) => a + b, 0)).toBe(W * H);
  });

  it('gives the same answer whatever came before (its scratch counts and cached axes are not carried over)', () => {
    const picture = { width: W, height: H, data: lit((x) => x >= 60 && x < 64, 3) };
    const first = subtractBackground(picture, false);
    // other sizes and the other polarity in between, more than the cache of axes holds
    for (let side = 20; side < 200; side += 15) {
      subtractBackground(
        { width: side, height: side + 7, data: Uint8Array.from(noise(side * (side + 7), 40), (v) => Math.max(0, Math.min(255, 128 + v))) },
        true,
      );
    }
    expect(subtractBackground(picture, false)).toEqual(first);
  });

  it('reads the ink side from the levels, as hasLightBackground reads the whole histogram, when not told it', () => {
    // sizes whose last cells are cut short, and pictures of either side and of none (noise alone)
    const pictures = [
      { width: W, height: H, data: lit((x) => x >= 60 && x < 64, 3) },
      { width: W, height: H, data: lit((x) => x >= 60 && x < 64, 3).map((v) => 255 - v) },
      ...[17, 45, 131].map((side, i) => ({
        width: side,
        height: side + 13,
        data: Uint8Array.from(noise(side * (side + 13), 30 + 10 * i, i + 2), (v) => Math.max(0, Math.min(255, 128 + v))),
      })),
    ];
    const sides = new Set<boolean>();
    for (const picture of pictures) {
      const darkInk = hasLightBackground(histogram(picture.data));
      sides.add(darkInk);
      const read = subtractBackground(picture);
      expect(read.darkInk).toBe(darkInk);
      expect(read).toEqual(subtractBackground(picture, darkInk));
    }
    expect(sides).toEqual(new Set([true, false]));
  });
});
