/**
 * Bring the pen's width into MNIST's range. A canvas drawn with a fat brush, or a ballpoint
 * line photographed from afar, gives strokes much thicker or thinner, relative to the digit's
 * size, than the digits the model learnt from. Strokes outside the band MNIST's own digits
 * span (their 10th to 90th percentiles, measured with this same estimator) are eroded or
 * dilated to its nearer edge; digits inside the band are left alone.
 *
 * The width of a binary drawing made of strokes is about 2 * area / perimeter (a stroke of
 * length L and width w has area L w and perimeter about 2 L); the perimeter counts pixel edges.
 * Erosion and dilation by a radius use the chamfer (3, 4) distance transform (G. Borgefors,
 * "Distance transformations in digital images", CVGIP 1986): two passes, O(pixels).
 */
import type { Box, Plane } from './plane.js';
import { DIGIT_BOX } from './fit.js';
import { pixelKernels, placeCopy, scoped } from '../kernels/pixels.js';
import { slabF32, slabU8 } from '../slab.js';

/** stroke width band of MNIST's test digits, in pixels of the 20-pixel box (10th, 90th percentiles) */
export const MNIST_STROKE_WIDTH = { min: 1.67, max: 2.96 } as const;

/** Mean stroke width of binary ink (1 = ink), in pixels: 2 * area / perimeter (a WebAssembly kernel, assembly/crop.ts). */
export function strokeWidth(ink: Plane): number {
  return levelsStrokeWidth(ink, { x0: 0, y0: 0, x1: ink.width - 1, y1: ink.height - 1 }, 0);
}

/** strokeWidth of the ink in `box` of `levels` that is above `threshold`: the same measure without binarising first. */
export function levelsStrokeWidth(levels: Plane, box: Box, threshold: number): number {
  return scoped(() => {
    const rows = placeCopy(levels.data.subarray(box.y0 * levels.width, (box.y1 + 1) * levels.width));
    return pixelKernels().strokeWidth(rows + box.x0, levels.width, box.x1 - box.x0 + 1, box.y1 - box.y0 + 1, threshold);
  });
}

/**
 * Distance from each pixel to the nearest pixel where `seed` holds, in pixels (chamfer 3-4,
 * within 8% of Euclidean).
 */
export function chamferDistance(ink: Plane, seed: (v: number) => boolean): Float32Array {
  const { width: w, height: h, data } = ink;
  const d = slabF32(data.length);
  for (let i = 0; i < d.length; i++) d[i] = seed(data[i]!) ? 0 : Infinity;
  sweep(d, w, h, 1);
  sweep(d, w, h, -1);
  for (let i = 0; i < d.length; i++) d[i] = d[i]! / 3;
  return d;
}

/**
 * One chamfer pass over the distances `d` (times 3) of a w x h plane: forward (`step` 1) from
 * the top left, each pixel relaxed from its left neighbour and the three above it; backward
 * (-1) from the bottom right, from its right neighbour and the three below it.
 */
function sweep(d: Float32Array, w: number, h: number, step: 1 | -1): void {
  const rowStep = step * w;
  for (let row = 0, i = step > 0 ? 0 : d.length - 1; row < h; row++) {
    // the neighbours already relaxed, carried along the row (Infinity off the picture): the one
    // just passed in this row, and in the row passed the one over this pixel and either side of it
    let passed = Infinity;
    let overPassed = Infinity;
    let over = row > 0 ? d[i - rowStep]! : Infinity;
    for (let col = 0; col < w; col++, i += step) {
      const overAhead = row > 0 && col < w - 1 ? d[i - rowStep + step]! : Infinity;
      passed = Math.min(d[i]!, passed + 3, over + 3, overPassed + 4, overAhead + 4);
      d[i] = passed;
      overPassed = over;
      over = overAhead;
    }
  }
}

/** 1 where `keep(i)` holds, else 0. */
function binary(length: number, keep: (i: number) => boolean): Uint8Array {
  const out = slabU8(length);
  for (let i = 0; i < length; i++) out[i] = keep(i) ? 1 : 0;
  return out;
}

/**
 * Binary ink whose box is `box` -> the same drawing with its stroke width inside MNIST's band
 * (relative to the box's longer side), and its new box; unchanged when already inside.
 */
export function normaliseStrokeWidth(ink: Plane, box: Box): { ink: Plane; box: Box } {
  const side = Math.max(box.x1 - box.x0, box.y1 - box.y0) + 1;
  const pixelsPerBoxPixel = side / DIGIT_BOX;
  const width = strokeWidth(ink) / pixelsPerBoxPixel;
  if (width > MNIST_STROKE_WIDTH.max) {
    const radius = ((width - MNIST_STROKE_WIDTH.max) / 2) * pixelsPerBoxPixel;
    const toPaper = chamferDistance(ink, (v) => v <= 0);
    // distances run between pixel centres; the stroke's edge lies half a pixel before the paper's centre
    return withBox({ ...ink, data: binary(ink.data.length, (i) => toPaper[i]! - 0.5 > radius) }, box) ?? { ink, box };
  }
  if (width < MNIST_STROKE_WIDTH.min) {
    const radius = ((MNIST_STROKE_WIDTH.min - width) / 2) * pixelsPerBoxPixel;
    const pad = Math.ceil(radius);
    const padded = padPlane(ink, pad);
    const toInk = chamferDistance(padded, (v) => v > 0);
    const grown = { ...padded, data: binary(padded.data.length, (i) => toInk[i]! - 0.5 <= radius) };
    return withBox(grown, { x0: box.x0, y0: box.y0, x1: box.x1 + 2 * pad, y1: box.y1 + 2 * pad })!;
  }
  return { ink, box };
}

/** `ink` with `pad` blank pixels added on every side. */
function padPlane(ink: Plane, pad: number): Plane {
  const width = ink.width + 2 * pad;
  const height = ink.height + 2 * pad;
  const data = slabU8(width * height);
  for (let y = 0; y < ink.height; y++) data.set(ink.data.subarray(y * ink.width, (y + 1) * ink.width), (y + pad) * width + pad);
  return { width, height, data };
}

/** `ink` with the box around its ink, searched within `within`; null when no ink is left. */
function withBox(ink: Plane, within: Box): { ink: Plane; box: Box } | null {
  const box = { x0: within.x1, y0: within.y1, x1: within.x0, y1: within.y0 };
  for (let y = within.y0; y <= within.y1; y++) {
    for (let x = within.x0; x <= within.x1; x++) {
      if (!(ink.data[y * ink.width + x]! > 0)) continue;
      box.x0 = Math.min(box.x0, x);
      box.y0 = Math.min(box.y0, y);
      box.x1 = Math.max(box.x1, x);
      box.y1 = Math.max(box.y1, y);
    }
  }
  return box.x1 < box.x0 ? null : { ink, box };
}
