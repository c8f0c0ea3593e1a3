/**
 * Scale the cropped ink so its longer side is 20 pixels, keeping the aspect ratio, as MNIST's
 * digits were fitted into a 20x20 box before being placed in the 28x28 field. Shrinking
 * averages areas (each output pixel is the mean of the source area it covers, so thin strokes
 * become grey instead of vanishing or aliasing); the rare enlargement of a tiny crop
 * interpolates linearly. Separable: one pass per axis, O(source pixels).
 */
import { f32, pixelKernels, place, placeCopy, scoped } from '../kernels/pixels.js';
import type { Box, Plane } from './plane.js';
import { slabCopyF32 } from '../slab.js';

export const DIGIT_BOX = 20;

/** The `box` region of `ink` scaled to fit DIGIT_BOX x DIGIT_BOX with its aspect ratio. */
export function fitToBox(ink: Plane, box: Box, side = DIGIT_BOX): Plane<Float32Array> {
  const bw = box.x1 - box.x0 + 1;
  const bh = box.y1 - box.y0 + 1;
  const scale = side / Math.max(bw, bh);
  const ow = Math.max(1, Math.round(bw * scale));
  const oh = Math.max(1, Math.round(bh * scale));
  // one WebAssembly kernel (assembly/crop.ts): each axis' taps, then rows (bh x ow), then columns
  return scoped(() => {
    const kernels = pixelKernels();
    const out = place(oh * ow * 4);
    kernels.fit(placeCopy(ink.data), ink.width, box.x0, box.y0, bw, bh, ow, oh, place(kernels.fitScratchBytes(bw, bh, ow, oh)), out);
    return { width: ow, height: oh, data: slabCopyF32(f32(out, oh * ow)) };
  });
}
