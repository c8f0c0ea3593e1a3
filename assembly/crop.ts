/**
 * The passes over a digit's crop (the host's coverage.ts, stroke.ts and fit.ts say what they
 * compute and why): its binarised coverage, its stroke width and its fit into the 20x20 box.
 * The same operations in the same order as the host's former JavaScript loops, f32 stores at
 * the same points: the same values to the bit.
 */

@inline
function f32At(base: usize, i: i32): f64 {
  return <f64>load<f32>(base + (<usize>i << 2));
}

@inline
function i32At(base: usize, i: i32): i32 {
  return load<i32>(base + (<usize>i << 2));
}

/**
 * The crop binarised above `threshold` on a finer grid, into the f32 `out` (`width` x `height`
 * samples, zero on entry). Per axis the host gives each sample's two source pixels (i32 `xa`,
 * `xb`, `ya`, `yb`, x as columns, y as rows of the `stride`-wide u8 `levels`), the second one's
 * f32 weight (`xf`, `yf`) and the i32 runs of samples between the same two pixels (`xRuns`,
 * `yRuns`: first sample of each run, then the count; `xRunCount`, `yRunCount` entries). Writes
 * the box around the ink's samples, as i32 x0, y0, x1, y1, to `found` (x1 = -1: no ink).
 */
export function coverage(
  levels: usize,
  stride: i32,
  threshold: f64,
  xa: usize,
  xb: usize,
  xf: usize,
  xRuns: usize,
  xRunCount: i32,
  ya: usize,
  yb: usize,
  yf: usize,
  yRuns: usize,
  yRunCount: i32,
  out: usize,
  width: i32,
  height: i32,
  found: usize,
): void {
  let fx0 = width;
  let fy0 = height;
  let fx1 = -1;
  let fy1 = -1;
  // a block of samples between the same four source pixels: interpolation never leaves their
  // range (but for rounding), so a block whose four pixels are all paper needs no interpolation,
  // nor one whose four pixels are all ink
  for (let j = 0; j + 1 < yRunCount; j++) {
    const y0 = i32At(yRuns, j);
    const y1 = i32At(yRuns, j + 1);
    const r0 = levels + <usize>(i32At(ya, y0) * stride);
    const r1 = levels + <usize>(i32At(yb, y0) * stride);
    for (let i = 0; i + 1 < xRunCount; i++) {
      const x0 = i32At(xRuns, i);
      const x1 = i32At(xRuns, i + 1);
      const a = <usize>i32At(xa, x0);
      const b = <usize>i32At(xb, x0);
      const topA = <f64>load<u8>(r0 + a);
      const topB = <f64>load<u8>(r0 + b);
      const bottomA = <f64>load<u8>(r1 + a);
      const bottomB = <f64>load<u8>(r1 + b);
      if (max(max(topA, topB), max(bottomA, bottomB)) <= threshold) continue;
      // half a level of margin for that rounding (the same test as min > threshold for a whole threshold)
      if (min(min(topA, topB), min(bottomA, bottomB)) - 0.5 > threshold) {
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) store<f32>(out + (<usize>(y * width + x) << 2), 1);
        if (x0 < fx0) fx0 = x0;
        if (x1 - 1 > fx1) fx1 = x1 - 1;
        if (y0 < fy0) fy0 = y0;
        if (y1 - 1 > fy1) fy1 = y1 - 1;
        continue;
      }
      for (let y = y0; y < y1; y++) {
        const fy = f32At(yf, y);
        for (let x = x0; x < x1; x++) {
          const fx = f32At(xf, x);
          const top = topA + fx * (topB - topA);
          const bottom = bottomA + fx * (bottomB - bottomA);
          if (top + fy * (bottom - top) <= threshold) continue;
          store<f32>(out + (<usize>(y * width + x) << 2), 1);
          if (x < fx0) fx0 = x;
          if (x > fx1) fx1 = x;
          if (y < fy0) fy0 = y;
          if (y > fy1) fy1 = y;
        }
      }
    }
  }
  store<i32>(found, fx0);
  store<i32>(found, fy0, 4);
  store<i32>(found, fx1, 8);
  store<i32>(found, fy1, 12);
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
