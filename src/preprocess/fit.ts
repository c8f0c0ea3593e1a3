/**
 * Scale the cropped ink so its longer side is 20 pixels, keeping the aspect ratio, as MNIST's
 * digits were fitted into a 20x20 box before being placed in the 28x28 field. Shrinking
 * averages areas (each output pixel is the mean of the source area it covers, so thin strokes
 * become grey instead of vanishing or aliasing); the rare enlargement of a tiny crop
 * interpolates linearly. Separable: one pass per axis, O(source pixels).
 */
import { f32, kernels, place, placeCopy, scoped } from '../kernels.js';
import type { Box, Plane } from './plane.js';

export const DIGIT_BOX = 20;

/**
 * How each output index along one axis mixes source indices, in three arrays (one small array
 * per output index cost a fifth of fitToBox in allocations): output o mixes the source indices
 * from `first[o]` on, with the weights `weights[start[o]]` up to `weights[start[o + 1]]`.
 */
export interface AxisTaps {
  readonly first: Int32Array;
  readonly start: Int32Array;
  readonly weights: Float64Array;
}

export function axisTaps(inSize: number, outSize: number): AxisTaps {
  const ratio = inSize / outSize;
  const first = new Int32Array(outSize);
  const start = new Int32Array(outSize + 1);
  // an interval `ratio` long meets at most ceil(ratio) + 1 pixels; one more for its rounded ends
  const weights = new Float64Array(outSize * (Math.ceil(ratio) + 2));
  let n = 0;
  for (let o = 0; o < outSize; o++) {
    start[o] = n;
    if (ratio >= 1) {
      // area: source interval [o * ratio, (o + 1) * ratio), each pixel weighted by its overlap
      const a = o * ratio;
      const b = a + ratio;
      first[o] = Math.floor(a);
      const last = Math.min(inSize - 1, Math.ceil(b) - 1);
      for (let k = first[o]!; k <= last; k++) weights[n++] = (Math.min(b, k + 1) - Math.max(a, k)) / ratio;
      continue;
    }
    // linear between source pixel centres, clamped at the ends
    const s = Math.min(inSize - 1, Math.max(0, (o + 0.5) * ratio - 0.5));
    const left = Math.min(inSize - 2, Math.floor(s));
    if (left < 0) {
      weights[n++] = 1;
      continue;
    }
    first[o] = left;
    weights[n++] = 1 - (s - left);
    weights[n++] = s - left;
  }
  start[outSize] = n;
  return { first, start, weights };
}

/** The `box` region of `ink` scaled to fit DIGIT_BOX x DIGIT_BOX with its aspect ratio. */
export function fitToBox(ink: Plane<Float32Array>, box: Box, side = DIGIT_BOX): Plane<Float32Array> {
  const bw = box.x1 - box.x0 + 1;
  const bh = box.y1 - box.y0 + 1;
  const scale = side / Math.max(bw, bh);
  const ow = Math.max(1, Math.round(bw * scale));
  const oh = Math.max(1, Math.round(bh * scale));
  // rows first: bh x ow, then columns: oh x ow (WebAssembly kernels, assembly/crop.ts)
  return scoped(() => {
    const xs = axisTaps(bw, ow);
    const ys = axisTaps(bh, oh);
    const src = placeCopy(ink.data) + (box.y0 * ink.width + box.x0) * 4;
    const rows = place(bh * ow * 4);
    const out = place(oh * ow * 4);
    kernels.resample(src, bh, ink.width, 1, ow, placeCopy(xs.first), placeCopy(xs.start), placeCopy(xs.weights), rows, ow, 1);
    kernels.resample(rows, ow, 1, ow, oh, placeCopy(ys.first), placeCopy(ys.start), placeCopy(ys.weights), out, 1, ow);
    return { width: ow, height: oh, data: f32(out, oh * ow).slice() };
  });
}
