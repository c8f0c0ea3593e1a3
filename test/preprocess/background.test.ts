import { describe, expect, it } from 'vitest';
import { subtractBackground } from '../../src/preprocess/background.js';
import { histogram, quantile } from '../../src/preprocess/histogram.js';
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

  it('computes, pixel by pixel, what a plain reference computes, to the bit (the pass is a WebAssembly kernel)', () => {
    // sizes with one cell, cells cut short at the edges, and a wide and a tall picture; lit
    // pictures of either side with noise, and pictures that are noise alone
    const pictures: { width: number; height: number; data: Uint8Array }[] = [];
    for (const [i, [width, height]] of [
      [1, 1],
      [7, 30],
      [28, 28],
      [45, 17],
      [140, 140],
      [161, 77],
      [60, 203],
    ].entries()) {
      const n = noise(width * height, 3 + 12 * (i % 3), i + 7);
      const ramp = (j: number) => 40 + (150 * (j % width)) / width + (30 * Math.floor(j / width)) / height;
      const level = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
      pictures.push({ width, height, data: Uint8Array.from({ length: width * height }, (_, j) => level(ramp(j) + n[j]!)) });
      pictures.push({ width, height, data: Uint8Array.from({ length: width * height }, (_, j) => level(128 + 4 * n[j]!)) });
    }
    for (const picture of pictures) {
      for (const darkInk of [false, true]) {
        const got = subtractBackground(picture, darkInk);
        const expected = referenceResidual(picture, darkInk);
        expect(got.levels).toEqual(expected.levels);
        expect(got.histogram).toEqual(expected.histogram);
        expect(got.noise).toBe(expected.noise);
      }
    }
  });
});

/**
 * subtractBackground written plainly, one pixel at a time (the cells' quantiles from their own
 * histograms, the 3x3 median by sorting, each pixel's paper interpolated on its own), with the
 * same floating-point operations in the same order.
 */
function referenceResidual({ width: w, height: h, data }: { width: number; height: number; data: Uint8Array }, darkInk: boolean) {
  const cell = Math.max(16, Math.ceil(Math.max(w, h) / 8));
  const gw = Math.ceil(w / cell);
  const gh = Math.ceil(h / cell);
  const quantiles: number[] = [];
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++) {
      const levels: number[] = [];
      for (let y = gy * cell; y < Math.min(h, (gy + 1) * cell); y++) {
        for (let x = gx * cell; x < Math.min(w, (gx + 1) * cell); x++) levels.push(data[y * w + x]!);
      }
      quantiles.push(quantile(histogram(Uint8Array.from(levels)), darkInk ? 0.75 : 0.25));
    }
  }
  const grid = new Float32Array(gw * gh);
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++) {
      const around: number[] = [];
      for (let y = Math.max(0, gy - 1); y <= Math.min(gh - 1, gy + 1); y++) {
        for (let x = Math.max(0, gx - 1); x <= Math.min(gw - 1, gx + 1); x++) around.push(quantiles[y * gw + x]!);
      }
      around.sort((a, b) => a - b);
      const m = around.length >> 1;
      grid[gy * gw + gx] = around.length % 2 ? around[m]! : (around[m - 1]! + around[m]!) / 2;
    }
  }
  /** the cell whose centre is at or before `p` (at most the last but one) and the next one's weight */
  const axis = (p: number, size: number, cells: number) => {
    if (cells === 1) return { c: 0, weight: 0 };
    const centre = (c: number) => (c * cell + Math.min(size, (c + 1) * cell) - 1) / 2;
    let c = 0;
    while (c < cells - 2 && p >= centre(c + 1)) c++;
    return { c, weight: Math.fround(Math.min(1, Math.max(0, (p - centre(c)) / (centre(c + 1) - centre(c))))) };
  };
  const signed = new Uint32Array(511);
  const levels = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const ay = axis(y, h, gh);
    const below = gh > 1 ? ay.c + 1 : ay.c;
    const paperAt = (c: number) => Math.fround(grid[ay.c * gw + c]! + ay.weight * (grid[below * gw + c]! - grid[ay.c * gw + c]!));
    for (let x = 0; x < w; x++) {
      const ax = axis(x, w, gw);
      const start = paperAt(ax.c);
      const rise = paperAt(gw > 1 ? ax.c + 1 : ax.c) - start;
      const bin = Math.floor((darkInk ? -1 : 1) * (data[y * w + x]! - (start + ax.weight * rise)) + 255.5);
      signed[bin]!++;
      levels[y * w + x] = Math.max(0, bin - 255);
    }
  }
  const hist = new Uint32Array(256);
  for (let bin = 0; bin < 511; bin++) hist[Math.max(0, bin - 255)]! += signed[bin]!;
  const noise = (quantile(signed, 0.25, w * h) - quantile(signed, 0.05, w * h)) / 0.9704;
  return { levels, histogram: hist, noise };
}
