/**
 * The passes over a digit's crop (the host's stroke.ts and fit.ts say what they compute and
 * why): its stroke width and its fit into the 20x20 box. The same operations in the same order
 * as the host's former JavaScript loops, f32 stores at the same points: the same values to the
 * bit.
 */

@inline
function f32At(base: usize, i: i32): f64 {
  return <f64>load<f32>(base + (<usize>i << 2));
}

@inline
function i32At(base: usize, i: i32): i32 {
  return load<i32>(base + (<usize>i << 2));
}

/** 2 * area / perimeter of the binary ink (> 0) among the `w` x `h` f32 at `ink`; 0 without ink. */
export function strokeWidth(ink: usize, w: i32, h: i32): f64 {
  let area = 0;
  // two ink pixels side by side or one above the other share an edge, on the perimeter of neither
  let joined = 0;
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      if (!(f32At(ink, i) > 0)) continue;
      area++;
      if (x < w - 1 && f32At(ink, i + 1) > 0) joined++;
      if (y < h - 1 && f32At(ink, i + w) > 0) joined++;
    }
  }
  const perimeter = 4 * area - 2 * joined;
  return perimeter ? <f64>(2 * area) / <f64>perimeter : 0;
}

/**
 * One axis of a separable resampling, along rows: each of the `count` lines (`lineStep` apart
 * in the f32 `src`, its samples `sampleStep` apart) -> `outSize` outputs, output o mixing the
 * samples from `first[o]` on with the f64 weights `weights[start[o]]` up to
 * `weights[start[o + 1]]` (i32 `first`, `start`), into the f32 `dst` (line l, output o at
 * l * dstLineStep + o * dstStep). Two lines at a time: an output's sum is a chain of dependent
 * additions, and two chains overlap.
 */
export function resample(
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
  for (let l = 0; l < count; l += 2) {
    // an odd last line is paired with itself
    const line = l * lineStep;
    const below = l + 1 < count ? line + lineStep : line;
    for (let o = 0; o < outSize; o++) {
      const k0 = i32At(start, o);
      const k1 = i32At(start, o + 1);
      const at = i32At(first, o) - k0;
      let acc: f64 = 0;
      let accBelow: f64 = 0;
      for (let k = k0; k < k1; k++) {
        const weight = load<f64>(weights + (<usize>k << 3));
        acc += weight * f32At(src, line + (at + k) * sampleStep);
        accBelow += weight * f32At(src, below + (at + k) * sampleStep);
      }
      store<f32>(dst + (<usize>(l * dstLineStep + o * dstStep) << 2), <f32>acc);
      if (l + 1 < count) store<f32>(dst + (<usize>((l + 1) * dstLineStep + o * dstStep) << 2), <f32>accBelow);
    }
  }
}
