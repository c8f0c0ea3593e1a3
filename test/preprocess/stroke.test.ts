import { describe, expect, it } from 'vitest';
import { MNIST_STROKE_WIDTH, chamferDistance, levelsStrokeWidth, normaliseStrokeWidth, strokeWidth } from '../../src/preprocess/stroke.js';
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

describe('chamferDistance', () => {
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
});
