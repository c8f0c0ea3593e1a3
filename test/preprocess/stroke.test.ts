import { describe, expect, it } from 'vitest';
import { MNIST_STROKE_WIDTH, firstBeyond, levelsStrokeWidth, normaliseStrokeWidth, strokeWidth } from '../../src/preprocess/stroke.js';
import { DIGIT_BOX } from '../../src/preprocess/fit.js';
import type { Box, Plane } from '../../src/preprocess/plane.js';
import { strokes } from './drawing.js';
import { prng } from '../hostile/support/fixtures.js';

/** A binary '7' on a side x side grid, strokes `width` pixels wide. */
function seven(side: number, width: number) {
  const m = side * 0.1;
  const ink = strokes(
    side,
    side,
    [
      [m, m, side - m, m],
      [side - m, m, side / 2, side - m],
    ],
    width / 2 - 0.5,
  );
  return { width: side, height: side, data: Uint8Array.from(ink, (v) => (v >= 128 ? 1 : 0)) };
}

function boxOf(ink: { width: number; data: Uint8Array }) {
  const box = { x0: Infinity, y0: Infinity, x1: -1, y1: -1 };
  ink.data.forEach((v, i) => {
    if (!v) return;
    const x = i % ink.width;
    const y = Math.floor(i / ink.width);
    box.x0 = Math.min(box.x0, x);
    box.y0 = Math.min(box.y0, y);
    box.x1 = Math.max(box.x1, x);
    box.y1 = Math.max(box.y1, y);
  });
  return box;
}

/** stroke width in pixels of the 20-pixel box */
const boxWidth = (r: ReturnType<typeof normaliseStrokeWidth>) =>
  (strokeWidth(r.ink) * 20) / (Math.max(r.box.x1 - r.box.x0, r.box.y1 - r.box.y0) + 1);

describe('strokeWidth', () => {
  it('measures a long bar as its width', () => {
    const bar = {
      width: 100,
      height: 10,
      data: Uint8Array.from({ length: 1000 }, (_, i) => (Math.floor(i / 100) >= 3 && Math.floor(i / 100) < 7 ? 1 : 0)),
    };
    expect(strokeWidth(bar)).toBeCloseTo(4, 0);
  });

  it("counts the picture's border as paper", () => {
    // 3x3 all ink: area 9, perimeter 12
    expect(strokeWidth({ width: 3, height: 3, data: new Uint8Array(9).fill(1) })).toBe(1.5);
  });

  it('counts the area and the shared edges exactly, over random ink of widths on and off sixteen', () => {
    const random = prng(5);
    for (let trial = 0; trial < 200; trial++) {
      const width = 1 + Math.floor(random() * 60);
      const height = 1 + Math.floor(random() * 30);
      const density = random();
      const data = Uint8Array.from({ length: width * height }, () => (random() < density ? 1 : 0));
      let area = 0;
      let joined = 0;
      data.forEach((v, i) => {
        if (!v) return;
        area++;
        if (i % width < width - 1 && data[i + 1]) joined++;
        if (i + width < data.length && data[i + width]) joined++;
      });
      const perimeter = 4 * area - 2 * joined;
      expect(strokeWidth({ width, height, data }), `trial ${trial}, ${width}x${height}`).toBe(perimeter ? (2 * area) / perimeter : 0);
    }
  });

  it('measures the levels above a threshold in a box of a larger plane as the box binarised', () => {
    const random = prng(11);
    for (let trial = 0; trial < 200; trial++) {
      const width = 1 + Math.floor(random() * 70);
      const height = 1 + Math.floor(random() * 40);
      const levels = { width, height, data: Uint8Array.from({ length: width * height }, () => Math.floor(random() * 256)) };
      const x0 = Math.floor(random() * width);
      const y0 = Math.floor(random() * height);
      const box = { x0, y0, x1: x0 + Math.floor(random() * (width - x0)), y1: y0 + Math.floor(random() * (height - y0)) };
      const threshold = trial % 50 === 0 ? 255 : Math.floor(random() * 256);
      const bw = box.x1 - box.x0 + 1;
      const binary = Uint8Array.from({ length: bw * (box.y1 - box.y0 + 1) }, (_, i) =>
        levels.data[(box.y0 + Math.floor(i / bw)) * width + box.x0 + (i % bw)]! > threshold ? 1 : 0,
      );
      const expected = strokeWidth({ width: bw, height: box.y1 - box.y0 + 1, data: binary });
      expect(levelsStrokeWidth(levels, box, threshold), `trial ${trial}`).toBe(expected);
    }
  });
});

/**
 * The reference the kernel (assembly/morph.ts) is held to: normaliseStrokeWidth as plain
 * JavaScript, pixel by pixel, its chamfer distances as f32 thirds of a pixel (Infinity where no
 * seed is reached), each pixel's verdict from its own distance.
 */
function chamferDistance(ink: Plane, seed: (v: number) => boolean): Float32Array {
  const { width: w, height: h, data } = ink;
  const d = Float32Array.from(data, (v) => (seed(v) ? 0 : Infinity));
  const at = (x: number, y: number) => (x >= 0 && x < w && y >= 0 && y < h ? d[y * w + x]! : Infinity);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++)
      d[y * w + x] = Math.min(d[y * w + x]!, at(x - 1, y) + 3, at(x - 1, y - 1) + 4, at(x, y - 1) + 3, at(x + 1, y - 1) + 4);
  }
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--)
      d[y * w + x] = Math.min(d[y * w + x]!, at(x + 1, y) + 3, at(x + 1, y + 1) + 4, at(x, y + 1) + 3, at(x - 1, y + 1) + 4);
  }
  return d.map((v) => v / 3);
}

function referenceBox(ink: Plane, within: Box): { ink: Plane; box: Box } | null {
  const box = { x0: within.x1, y0: within.y1, x1: within.x0, y1: within.y0 };
  for (let y = within.y0; y <= within.y1; y++) {
    for (let x = within.x0; x <= within.x1; x++) {
      if (!ink.data[y * ink.width + x]) continue;
      box.x0 = Math.min(box.x0, x);
      box.y0 = Math.min(box.y0, y);
      box.x1 = Math.max(box.x1, x);
      box.y1 = Math.max(box.y1, y);
    }
  }
  return box.x1 < box.x0 ? null : { ink, box };
}

function referenceNormalise(ink: Plane, box: Box): { ink: Plane; box: Box } {
  const pixelsPerBoxPixel = (Math.max(box.x1 - box.x0, box.y1 - box.y0) + 1) / DIGIT_BOX;
  const width = strokeWidth(ink) / pixelsPerBoxPixel;
  if (width > MNIST_STROKE_WIDTH.max) {
    const radius = ((width - MNIST_STROKE_WIDTH.max) / 2) * pixelsPerBoxPixel;
    const toPaper = chamferDistance(ink, (v) => v <= 0);
    return referenceBox({ ...ink, data: Uint8Array.from(toPaper, (t) => (t - 0.5 > radius ? 1 : 0)) }, box) ?? { ink, box };
  }
  if (width < MNIST_STROKE_WIDTH.min) {
    const radius = ((MNIST_STROKE_WIDTH.min - width) / 2) * pixelsPerBoxPixel;
    const pad = Math.ceil(radius);
    const padded = {
      width: ink.width + 2 * pad,
      height: ink.height + 2 * pad,
      data: new Uint8Array((ink.width + 2 * pad) * (ink.height + 2 * pad)),
    };
    ink.data.forEach((v, i) => (padded.data[(Math.floor(i / ink.width) + pad) * padded.width + (i % ink.width) + pad] = v));
    const toInk = chamferDistance(padded, (v) => v > 0);
    const grown = { ...padded, data: Uint8Array.from(toInk, (t) => (t - 0.5 <= radius ? 1 : 0)) };
    return referenceBox(grown, { x0: box.x0, y0: box.y0, x1: box.x1 + 2 * pad, y1: box.y1 + 2 * pad })!;
  }
  return { ink, box };
}

describe('firstBeyond', () => {
  it('is the least distance in thirds of a pixel whose f32 less half a pixel exceeds the radius, radii on the f32s included', () => {
    const random = prng(23);
    const radii = Array.from({ length: 3000 }, (_, k) => [Math.fround(k / 3) - 0.5, random() * 1000]).flat();
    for (const radius of radii) {
      let least = 0;
      while (!(Math.fround(least / 3) - 0.5 > radius)) least++;
      expect(firstBeyond(radius), `radius ${radius}`).toBe(least);
    }
  });
});

describe('the reference chamfer distance', () => {
  it('is 0 on the seed and counts pixels away from it', () => {
    const line = { width: 5, height: 1, data: Uint8Array.of(1, 0, 0, 0, 0) };
    expect(Array.from(chamferDistance(line, (v) => v > 0))).toEqual([0, 1, 2, 3, 4]);
  });

  it('costs 4/3 a diagonal step, in every direction', () => {
    const dot = { width: 3, height: 3, data: Uint8Array.of(0, 0, 0, 0, 1, 0, 0, 0, 0) };
    const diagonal = Math.fround(4 / 3);
    expect(Array.from(chamferDistance(dot, (v) => v > 0))).toEqual([diagonal, 1, diagonal, 1, 0, 1, diagonal, 1, diagonal]);
  });
});

describe('normaliseStrokeWidth', () => {
  it("thins a fat brush down to the top of MNIST's band", () => {
    const fat = seven(100, 24);
    const out = normaliseStrokeWidth(fat, boxOf(fat));
    expect(boxWidth({ ink: fat, box: boxOf(fat) })).toBeGreaterThan(MNIST_STROKE_WIDTH.max + 0.5);
    expect(boxWidth(out)).toBeGreaterThan(MNIST_STROKE_WIDTH.max - 0.5);
    expect(boxWidth(out)).toBeLessThan(MNIST_STROKE_WIDTH.max + 0.5);
  });

  it('thickens a hairline up to the bottom of the band, growing its box', () => {
    const thin = seven(200, 2);
    const out = normaliseStrokeWidth(thin, boxOf(thin));
    expect(boxWidth(out)).toBeGreaterThan(MNIST_STROKE_WIDTH.min - 0.5);
    expect(boxWidth(out)).toBeLessThan(MNIST_STROKE_WIDTH.min + 0.5);
    expect(out.box.x1 - out.box.x0).toBeGreaterThan(boxOf(thin).x1 - boxOf(thin).x0);
  });

  it('leaves an MNIST-like pen alone', () => {
    const usual = seven(100, 11);
    const box = boxOf(usual);
    expect(normaliseStrokeWidth(usual, box)).toEqual({ ink: usual, box });
  });

  it('erodes and dilates exactly as the reference, pixel for pixel, box for box', () => {
    const random = prng(17);
    const seen = { eroded: 0, dilated: 0, kept: 0 };
    for (let trial = 0; trial < 300; trial++) {
      const width = 3 + Math.floor(random() * 90);
      const height = 3 + Math.floor(random() * 90);
      const segments = Array.from(
        { length: 1 + Math.floor(random() * 3) },
        () => [random() * width, random() * height, random() * width, random() * height] as const,
      );
      // pens from hairlines to brushes wider than the picture, and now and then salt on the paper
      const pen = random() * random() * 20;
      const salt = trial % 7 === 0 ? 0.05 : 0;
      const data = Uint8Array.from(strokes(width, height, segments, pen), (v) => (v >= 128 || random() < salt ? 1 : 0));
      const ink = { width, height, data };
      if (!data.some((v) => v)) continue;
      const box = boxOf(ink);
      const expected = referenceNormalise(ink, box);
      const actual = normaliseStrokeWidth(ink, box);
      expect({ ...actual, ink: { ...actual.ink, data: Array.from(actual.ink.data) } }, `trial ${trial}`).toEqual({
        ...expected,
        ink: { ...expected.ink, data: Array.from(expected.ink.data) },
      });
      if (expected.ink === ink) seen.kept++;
      else if (expected.ink.width > width) seen.dilated++;
      else seen.eroded++;
    }
    // every branch taken many times over
    expect(Math.min(seen.eroded, seen.dilated, seen.kept), JSON.stringify(seen)).toBeGreaterThan(20);
  });
});
