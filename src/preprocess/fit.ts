/**
 * Scale the cropped ink so its longer side is 20 pixels, keeping the aspect ratio, as MNIST's
 * digits were fitted into a 20x20 box before being placed in the 28x28 field. Shrinking
 * averages areas (each output pixel is the mean of the source area it covers, so thin strokes
 * become grey instead of vanishing or aliasing); the rare enlargement of a tiny crop
 * interpolates linearly. Separable: one pass per axis, O(source pixels).
 */
import type { Box, Plane } from './plane.js';

export const DIGIT_BOX = 20;

/** How each output index along one axis mixes source indices: `weights[k]` applies to `first + k`. */
interface Taps {
  readonly first: number;
  readonly weights: Float64Array;
}

export function axisTaps(inSize: number, outSize: number): Taps[] {
  const ratio = inSize / outSize;
  return Array.from({ length: outSize }, (_, o) => {
    if (ratio >= 1) {
      // area: source interval [o * ratio, (o + 1) * ratio), each pixel weighted by its overlap
      const a = o * ratio;
      const b = a + ratio;
      const first = Math.floor(a);
      const last = Math.min(inSize - 1, Math.ceil(b) - 1);
      const weights = new Float64Array(last - first + 1);
      for (let k = first; k <= last; k++) weights[k - first] = (Math.min(b, k + 1) - Math.max(a, k)) / ratio;
      return { first, weights };
    }
    // linear between source pixel centres, clamped at the ends
    const s = Math.min(inSize - 1, Math.max(0, (o + 0.5) * ratio - 0.5));
    const first = Math.min(inSize - 2, Math.floor(s));
    if (first < 0) return { first: 0, weights: Float64Array.of(1) };
    return { first, weights: Float64Array.of(1 - (s - first), s - first) };
  });
}

/** The `box` region of `ink` scaled to fit DIGIT_BOX x DIGIT_BOX with its aspect ratio. */
export function fitToBox(ink: Plane<Float32Array>, box: Box, side = DIGIT_BOX): Plane<Float32Array> {
  const bw = box.x1 - box.x0 + 1;
  const bh = box.y1 - box.y0 + 1;
  const scale = side / Math.max(bw, bh);
  const ow = Math.max(1, Math.round(bw * scale));
  const oh = Math.max(1, Math.round(bh * scale));
  // rows first: bh x ow, then columns: oh x ow
  const xTaps = axisTaps(bw, ow);
  const rows = new Float32Array(bh * ow);
  // read once: looked up inside the loop, the field cost a quarter of this pass
  const data = ink.data;
  for (let y = 0; y < bh; y++) {
    const src = (box.y0 + y) * ink.width + box.x0;
    for (let o = 0; o < ow; o++) {
      const { first, weights } = xTaps[o]!;
      let acc = 0;
      for (let k = 0; k < weights.length; k++) acc += weights[k]! * data[src + first + k]!;
      rows[y * ow + o] = acc;
    }
  }
  const yTaps = axisTaps(bh, oh);
  const out = new Float32Array(oh * ow);
  for (let o = 0; o < oh; o++) {
    const { first, weights } = yTaps[o]!;
    for (let x = 0; x < ow; x++) {
      let acc = 0;
      for (let k = 0; k < weights.length; k++) acc += weights[k]! * rows[(first + k) * ow + x]!;
      out[o * ow + x] = acc;
    }
  }
  return { width: ow, height: oh, data: out };
}
