/**
 * Ink levels -> how much of each pixel the ink covers, the way MNIST got its grey levels: the
 * NIST digits were black and white, and their grey edges come from averaging areas when they
 * were shrunk into the 20x20 box. So the crop is binarised at the ink/paper threshold
 * (threshold.ts) here, and fit.ts averages areas. A crop that is already small (a 28x28 scan) is first enlarged
 * bilinearly until its longer side reaches SUPERSAMPLE_SIDE, then binarised: a grey edge pixel
 * becomes partly covered instead of all or nothing, so its anti-aliasing survives.
 * (Measured on the corpus: thresholding beats keeping the levels' own soft ramp by about a
 * point on photos and scans; on 28x28 digits the supersampling is what keeps it level with
 * the soft ramp. See docs/PREPROCESSING.md.)
 */
import type { Box, Plane } from './plane.js';
import { slabF32, slabI32, slabU8 } from '../slab.js';

/** 4 x the 20-pixel box: every output pixel then averages at least 4 x 4 binary samples */
export const SUPERSAMPLE_SIDE = 80;

export interface Coverage {
  /** 1 where ink covers the sample, else 0 */
  readonly ink: Plane;
  /** the box around the ink in `ink`; null when a faint speck of ink vanished between the samples */
  readonly box: Box | null;
}

/**
 * Bilinear taps of `s` samples per source pixel over source indices lo..hi: for each sample,
 * the two source pixels either side of its centre (clamped to lo..hi) and the second one's weight;
 * and the first sample of each run that reads the same two source pixels, then n.
 */
interface SampleTaps {
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly f: Float32Array;
  readonly runs: number[];
}

function sampleTaps(lo: number, hi: number, s: number): SampleTaps {
  const n = (hi - lo + 1) * s;
  const a = slabI32(n);
  const b = slabI32(n);
  const f = slabF32(n);
  const runs: number[] = [];
  for (let k = 0; k < n; k++) {
    const at = lo + (k + 0.5) / s - 0.5;
    const left = Math.floor(at);
    a[k] = Math.min(hi, Math.max(lo, left));
    b[k] = Math.min(hi, Math.max(lo, left + 1));
    f[k] = at - left;
    if (k === 0 || a[k] !== a[k - 1] || b[k] !== b[k - 1]) runs.push(k);
  }
  runs.push(n);
  return { a, b, f, runs };
}

/** The `box` region of `levels`, binarised above `threshold`, on a grid `s` times finer (by default, enough to reach SUPERSAMPLE_SIDE). */
export function inkCoverage(
  levels: Plane,
  box: Box,
  threshold: number,
  s = Math.max(1, Math.ceil(SUPERSAMPLE_SIDE / (Math.max(box.x1 - box.x0, box.y1 - box.y0) + 1))),
): Coverage {
  return s === 1 ? thresholdedCoverage(levels, box, threshold) : supersampledCoverage(levels, box, threshold, s);
}

/**
 * inkCoverage at one sample per pixel (a crop of SUPERSAMPLE_SIDE pixels or more: a photo's
 * digit), where each sample's taps are its own pixel with weight 0, so the interpolation is the
 * identity: each pixel of the box binarised as it is, without the taps and blocks.
 */
export function thresholdedCoverage(levels: Plane, box: Box, threshold: number): Coverage {
  const width = box.x1 - box.x0 + 1;
  const height = box.y1 - box.y0 + 1;
  const src = levels.data;
  const data = slabU8(width * height);
  const found = { x0: width, y0: height, x1: -1, y1: -1 };
  for (let y = 0, o = 0; y < height; y++) {
    let rowInk = false;
    for (let x = 0, i = (box.y0 + y) * levels.width + box.x0; x < width; x++, i++, o++) {
      if (src[i]! <= threshold) continue;
      data[o] = 1;
      rowInk = true;
      if (x < found.x0) found.x0 = x;
      if (x > found.x1) found.x1 = x;
    }
    if (!rowInk) continue;
    if (y < found.y0) found.y0 = y;
    found.y1 = y;
  }
  return { ink: { width, height, data }, box: found.x1 < 0 ? null : found };
}

/** inkCoverage at `s` samples per pixel along each axis, interpolated bilinearly. */
export function supersampledCoverage(levels: Plane, box: Box, threshold: number, s: number): Coverage {
  // one pixel of margin: interpolation can carry ink a fraction of a pixel past the box
  const m = s > 1 ? 1 : 0;
  const x0 = Math.max(0, box.x0 - m);
  const y0 = Math.max(0, box.y0 - m);
  const x1 = Math.min(levels.width - 1, box.x1 + m);
  const y1 = Math.min(levels.height - 1, box.y1 + m);
  const width = (x1 - x0 + 1) * s;
  const height = (y1 - y0 + 1) * s;
  const xs = sampleTaps(x0, x1, s);
  const ys = sampleTaps(y0, y1, s);
  // JavaScript, not a WebAssembly kernel: most blocks are skipped whole, and the copies of the
  // levels and taps into the kernels' memory cost what a kernel saved (docs/ARCHITECTURE.md)
  const src = levels.data;
  const data = slabU8(width * height);
  const found = { x0: width, y0: height, x1: -1, y1: -1 };
  // a block of samples between the same four source pixels: interpolation never leaves their
  // range (but for rounding, far less than half a level), so a block whose four pixels are all
  // paper (most of the crop) needs no interpolation, nor one whose four pixels are all ink (the
  // inside of the strokes)
  for (let j = 0; j + 1 < ys.runs.length; j++) {
    const ya = ys.runs[j]!;
    const yb = ys.runs[j + 1]!;
    const r0 = ys.a[ya]! * levels.width;
    const r1 = ys.b[ya]! * levels.width;
    // the columns between the first and the last that hold ink in either row: a block whose
    // taps all lie outside them is paper (most of a digit's box, on either side of a stroke)
    let first = x0;
    while (first <= x1 && src[r0 + first]! <= threshold && src[r1 + first]! <= threshold) first++;
    if (first > x1) continue;
    let last = x1;
    while (src[r0 + last]! <= threshold && src[r1 + last]! <= threshold) last--;
    for (let i = 0; i + 1 < xs.runs.length; i++) {
      const xa = xs.runs[i]!;
      if (xs.b[xa]! < first) continue;
      if (xs.a[xa]! > last) break;
      const xb = xs.runs[i + 1]!;
      const topA = src[r0 + xs.a[xa]!]!;
      const topB = src[r0 + xs.b[xa]!]!;
      const bottomA = src[r1 + xs.a[xa]!]!;
      const bottomB = src[r1 + xs.b[xa]!]!;
      if (Math.max(topA, topB, bottomA, bottomB) <= threshold) continue;
      // half a level of margin for that rounding (the same test as min > threshold for a whole threshold)
      if (Math.min(topA, topB, bottomA, bottomB) - 0.5 > threshold) {
        // a loop, not fill(): the blocks are a few samples wide, too short for a call to pay
        for (let y = ya; y < yb; y++) for (let x = xa; x < xb; x++) data[y * width + x] = 1;
        if (xa < found.x0) found.x0 = xa;
        if (xb - 1 > found.x1) found.x1 = xb - 1;
        if (ya < found.y0) found.y0 = ya;
        if (yb - 1 > found.y1) found.y1 = yb - 1;
        continue;
      }
      for (let y = ya; y < yb; y++) {
        const fy = ys.f[y]!;
        for (let x = xa; x < xb; x++) {
          const fx = xs.f[x]!;
          const top = topA + fx * (topB - topA);
          const bottom = bottomA + fx * (bottomB - bottomA);
          if (top + fy * (bottom - top) <= threshold) continue;
          data[y * width + x] = 1;
          if (x < found.x0) found.x0 = x;
          if (x > found.x1) found.x1 = x;
          if (y < found.y0) found.y0 = y;
          if (y > found.y1) found.y1 = y;
        }
      }
    }
  }
  return { ink: { width, height, data }, box: found.x1 < 0 ? null : found };
}
