/**
 * The passes over a digit's crop (the host's stroke.ts and fit.ts say what they compute and
 * why): its stroke width and its fit into the 20x20 box. The same operations in the same order
 * as the host's former JavaScript loops, f32 stores at the same points: the same values to the
 * bit (test/preprocess/fit.test.ts holds the fit to a JavaScript reference).
 */

import { i32At, valueAt } from './at';

/**
 * 2 * area / perimeter of the ink (bytes above `threshold`) among the `w` x `h` bytes at `ink`,
 * rows `stride` apart (a region of a larger plane); 0 without ink.
 */
export function strokeWidth(ink: usize, stride: i32, w: i32, h: i32, threshold: i32): f64 {
  // no byte is above it (and it would not fit the vector compare's lanes)
  if (threshold >= 255) return 0;
  let area = 0;
  // two ink pixels side by side or one above the other share an edge, on the perimeter of neither
  let joined = 0;
  const paper = i8x16.splat(<i8>threshold);
  for (let y = 0; y < h; y++) {
    const below = y < h - 1;
    let x = 0;
    let i = y * stride;
    // sixteen pixels at a time, while the last one's right neighbour is in the row: bit masks of
    // the ink, of the ink whose right neighbour is ink, and of the ink whose lower one is
    for (; x + 16 < w; x += 16, i += 16) {
      const here = i8x16.gt_u(v128.load(ink + <usize>i), paper);
      if (!v128.any_true(here)) continue;
      area += popcnt(i8x16.bitmask(here));
      joined += popcnt(i8x16.bitmask(v128.and(here, i8x16.gt_u(v128.load(ink + <usize>(i + 1)), paper))));
      if (below) joined += popcnt(i8x16.bitmask(v128.and(here, i8x16.gt_u(v128.load(ink + <usize>(i + stride)), paper))));
    }
    for (; x < w; x++, i++) {
      if (<i32>load<u8>(ink + <usize>i) <= threshold) continue;
      area++;
      if (x < w - 1 && <i32>load<u8>(ink + <usize>(i + 1)) > threshold) joined++;
      if (below && <i32>load<u8>(ink + <usize>(i + stride)) > threshold) joined++;
    }
  }
  const perimeter = 4 * area - 2 * joined;
  return perimeter ? <f64>(2 * area) / <f64>perimeter : 0;
}

/**
 * The fit of the `bw` x `bh` region at (`x0`, `y0`) of the byte plane `src` (`srcWidth` wide)
 * to `ow` x `oh`, into the f32 `out`: each axis' taps, then rows (bh x ow), then columns. The
 * chain is fixed, so it is one call; `scratch` holds fitScratchBytes(bw, bh, ow, oh), 8-byte
 * aligned.
 */
export function fit(src: usize, srcWidth: i32, x0: i32, y0: i32, bw: i32, bh: i32, ow: i32, oh: i32, scratch: usize, out: usize): void {
  const rows = scratch;
  const xTaps = rows + align8(<usize>(bh * ow) << 2);
  const yTaps = xTaps + tapsBytes(bw, ow);
  axisTaps(bw, ow, xTaps);
  axisTaps(bh, oh, yTaps);
  const origin = src + <usize>(y0 * srcWidth + x0);
  resample<u8>(origin, bh, srcWidth, 1, ow, xTaps, tapsStart(xTaps, ow), tapsWeights(xTaps, ow), rows, ow, 1);
  resample<f32>(rows, ow, 1, ow, oh, yTaps, tapsStart(yTaps, oh), tapsWeights(yTaps, oh), out, 1, ow);
}

export function fitScratchBytes(bw: i32, bh: i32, ow: i32, oh: i32): usize {
  return align8(<usize>(bh * ow) << 2) + tapsBytes(bw, ow) + tapsBytes(bh, oh);
}

@inline
function align8(bytes: usize): usize {
  return (bytes + 7) & ~(<usize>7);
}

/*
 * One axis' taps, at `at`: output o mixes the source indices from first[o] on (i32, outSize of
 * them, at `at`) with the f64 weights from start[o] up to start[o + 1] (i32, outSize + 1).
 */

@inline
function tapsStart(at: usize, outSize: i32): usize {
  return at + align8(<usize>outSize << 2);
}

@inline
function tapsWeights(at: usize, outSize: i32): usize {
  return tapsStart(at, outSize) + align8(<usize>(outSize + 1) << 2);
}

/** An interval `ratio` long meets at most ceil(ratio) + 1 pixels; one more for its rounded ends. */
function tapsBytes(inSize: i32, outSize: i32): usize {
  return tapsWeights(0, outSize) + (<usize>(outSize * (<i32>Math.ceil(<f64>inSize / <f64>outSize) + 2)) << 3);
}

function axisTaps(inSize: i32, outSize: i32, at: usize): void {
  const start = tapsStart(at, outSize);
  const weights = tapsWeights(at, outSize);
  const ratio = <f64>inSize / <f64>outSize;
  let n = 0;
  for (let o = 0; o < outSize; o++) {
    store<i32>(start + (<usize>o << 2), n);
    if (ratio >= 1) {
      // area: source interval [o * ratio, (o + 1) * ratio), each pixel weighted by its overlap
      const a = <f64>o * ratio;
      const b = a + ratio;
      const first = <i32>Math.floor(a);
      store<i32>(at + (<usize>o << 2), first);
      const last = min(inSize - 1, <i32>Math.ceil(b) - 1);
      for (let k = first; k <= last; k++) store<f64>(weights + (<usize>(n++) << 3), (Math.min(b, <f64>(k + 1)) - Math.max(a, <f64>k)) / ratio);
      continue;
    }
    // linear between source pixel centres, clamped at the ends
    const s = Math.min(<f64>(inSize - 1), Math.max(0, (<f64>o + 0.5) * ratio - 0.5));
    const left = min(inSize - 2, <i32>Math.floor(s));
    if (left < 0) {
      store<i32>(at + (<usize>o << 2), 0);
      store<f64>(weights + (<usize>(n++) << 3), 1);
      continue;
    }
    store<i32>(at + (<usize>o << 2), left);
    store<f64>(weights + (<usize>(n++) << 3), 1 - (s - <f64>left));
    store<f64>(weights + (<usize>(n++) << 3), s - <f64>left);
  }
  store<i32>(start + (<usize>outSize << 2), n);
}

/**
 * One axis of a separable resampling, along rows: each of the `count` lines (`lineStep` apart
 * in `src`, of T, its samples `sampleStep` apart) -> `outSize` outputs, output o mixing the
 * samples from `first[o]` on with the f64 weights `weights[start[o]]` up to
 * `weights[start[o + 1]]` (i32 `first`, `start`), into the f32 `dst` (line l, output o at
 * l * dstLineStep + o * dstStep). Four lines at a time: an output's sum is a chain of
 * dependent additions, and four chains overlap.
 */
function resample<T>(
  src: usize,
  count: i32,
  lineStep: i32,
  sampleStep: i32,
  outSize: i32,
  first: usize,
  start: usize,
  weights: usize,
  dst: usize,
  dstLineStep: i32,
  dstStep: i32,
): void {
  for (let l = 0; l < count; l += 4) {
    // the last lines past the end are the last line again, their sums not stored
    const line0 = l * lineStep;
    const line1 = min(l + 1, count - 1) * lineStep;
    const line2 = min(l + 2, count - 1) * lineStep;
    const line3 = min(l + 3, count - 1) * lineStep;
    for (let o = 0; o < outSize; o++) {
      const k0 = i32At(start, o);
      const k1 = i32At(start, o + 1);
      const at = i32At(first, o) - k0;
      let acc0: f64 = 0;
      let acc1: f64 = 0;
      let acc2: f64 = 0;
      let acc3: f64 = 0;
      for (let k = k0; k < k1; k++) {
        const weight = load<f64>(weights + (<usize>k << 3));
        const offset = (at + k) * sampleStep;
        acc0 += weight * valueAt<T>(src, line0 + offset);
        acc1 += weight * valueAt<T>(src, line1 + offset);
        acc2 += weight * valueAt<T>(src, line2 + offset);
        acc3 += weight * valueAt<T>(src, line3 + offset);
      }
      const out = o * dstStep;
      store<f32>(dst + (<usize>(l * dstLineStep + out) << 2), <f32>acc0);
      if (l + 1 < count) store<f32>(dst + (<usize>((l + 1) * dstLineStep + out) << 2), <f32>acc1);
      if (l + 2 < count) store<f32>(dst + (<usize>((l + 2) * dstLineStep + out) << 2), <f32>acc2);
      if (l + 3 < count) store<f32>(dst + (<usize>((l + 3) * dstLineStep + out) << 2), <f32>acc3);
    }
  }
}
