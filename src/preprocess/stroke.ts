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
import { i32, pixelKernels, place, placeCopy, scoped, u8 } from '../kernels/pixels.js';
import { slabCopyU8 } from '../slab.js';

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
 * Binary ink whose box is `box` -> the same drawing with its stroke width inside MNIST's band
 * (relative to the box's longer side), and its new box; unchanged when already inside.
 */
export function normaliseStrokeWidth(ink: Plane, box: Box): { ink: Plane; box: Box } {
  const side = Math.max(box.x1 - box.x0, box.y1 - box.y0) + 1;
  const pixelsPerBoxPixel = side / DIGIT_BOX;
  const width = strokeWidth(ink) / pixelsPerBoxPixel;
  if (width > MNIST_STROKE_WIDTH.max) {
    const radius = ((width - MNIST_STROKE_WIDTH.max) / 2) * pixelsPerBoxPixel;
    return morphed(ink, 0, box, 'erode', radius) ?? { ink, box };
  }
  if (width < MNIST_STROKE_WIDTH.min) {
    const radius = ((MNIST_STROKE_WIDTH.min - width) / 2) * pixelsPerBoxPixel;
    const pad = Math.ceil(radius);
    // room for the strokes to grow: the ink moves by `pad`, its box grows by as much either side
    return morphed(ink, pad, { x0: box.x0, y0: box.y0, x1: box.x1 + 2 * pad, y1: box.y1 + 2 * pad }, 'dilate', radius)!;
  }
  return { ink, box };
}

/**
 * `ink` with `pad` pixels of paper added on every side, eroded or dilated by `radius` pixels (a
 * WebAssembly kernel, assembly/morph.ts), with the box around what is left of its ink within
 * `within` (in the padded plane); null when none is.
 */
function morphed(ink: Plane, pad: number, within: Box, how: 'erode' | 'dilate', radius: number): { ink: Plane; box: Box } | null {
  return scoped(() => {
    const width = ink.width + 2 * pad;
    const height = ink.height + 2 * pad;
    const n = width * height;
    const out = place(n);
    const box = placeCopy(Int32Array.of(within.x0, within.y0, within.x1, within.y1));
    const src = placeCopy(ink.data);
    const found = pixelKernels().strokeMorph(
      src,
      ink.width,
      ink.height,
      pad,
      how === 'dilate' ? 1 : 0,
      firstBeyond(radius),
      place(n * 4),
      out,
      box,
    );
    if (!found) return null;
    const [x0, y0, x1, y1] = i32(box, 4);
    return { ink: { width, height, data: slabCopyU8(u8(out, n)) }, box: { x0: x0!, y0: y0!, x1: x1!, y1: y1! } };
  });
}

/**
 * The least chamfer distance (3-4, in thirds of a pixel, within 8% of Euclidean) of a pixel
 * beyond `radius`. Distances run between pixel centres: a stroke's edge lies half a pixel
 * before the centre of the paper beside it. The distance is compared as the f32 it was always
 * stored as, so the verdicts stay those the corpus' figures were measured with; the comparison
 * only grows with the distance, so one limit decides every pixel.
 */
export function firstBeyond(radius: number): number {
  let k = Math.max(0, Math.floor(3 * (radius + 0.5)) - 2);
  while (!(Math.fround(k / 3) - 0.5 > radius)) k++;
  return k;
}
