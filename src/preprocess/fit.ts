/**
 * Scale the cropped ink so its longer side is 20 pixels, keeping the aspect ratio, as MNIST's
 * digits were fitted into a 20x20 box before being placed in the 28x28 field. Shrinking
 * averages areas (each output pixel is the mean of the source area it covers, so thin strokes
 * become grey instead of vanishing or aliasing); the rare enlargement of a tiny crop
 * interpolates linearly. Separable: one pass per axis, O(source pixels).
 */
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
  // rows first: bh x ow, then columns: oh x ow
  const xs = axisTaps(bw, ow);
  const rows = new Float32Array(bh * ow);
  // read once: looked up inside the loop, the field cost a quarter of this pass
  const data = ink.data;
  // two rows at a time: an output's sum is a chain of dependent additions, and two chains
  // overlap (a third faster); an odd last row is paired with itself
  for (let y = 0; y < bh; y += 2) {
    const src = (box.y0 + y) * ink.width + box.x0;
    const below = y + 1 < bh ? src + ink.width : src;
    for (let o = 0; o < ow; o++) {
      // data[at + k] and data[atBelow + k] meet weights[k]
      const at = src + xs.first[o]! - xs.start[o]!;
      const atBelow = below + xs.first[o]! - xs.start[o]!;
      let acc = 0;
      let accBelow = 0;
      for (let k = xs.start[o]!, end = xs.start[o + 1]!; k < end; k++) {
        acc += xs.weights[k]! * data[at + k]!;
        accBelow += xs.weights[k]! * data[atBelow + k]!;
      }
      rows[y * ow + o] = acc;
      if (y + 1 < bh) rows[(y + 1) * ow + o] = accBelow;
    }
  }
  const ys = axisTaps(bh, oh);
  const out = new Float32Array(oh * ow);
  for (let o = 0; o < oh; o++) {
    // rows[at + k * ow + x] meets weights[k]
    const at = (ys.first[o]! - ys.start[o]!) * ow;
    for (let x = 0; x < ow; x++) {
      let acc = 0;
      for (let k = ys.start[o]!, end = ys.start[o + 1]!; k < end; k++) acc += ys.weights[k]! * rows[at + k * ow + x]!;
      out[o * ow + x] = acc;
    }
  }
  return { width: ow, height: oh, data: out };
}
