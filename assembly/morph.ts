/**
 * The erosion and dilation that bring a digit's strokes into MNIST's band (the host's stroke.ts,
 * normaliseStrokeWidth, says by how much and why): the chamfer (3, 4) distance from each pixel
 * to the nearest seed (paper to erode, ink to dilate) in two sweeps, then each pixel kept as ink
 * when that distance reaches the host's limit (erosion) or falls short of it (dilation). The
 * distances are integers, sums of 3s and 4s (thirds of a pixel), and NONE stands for no seed in
 * the plane, beyond every limit (test/preprocess/stroke.test.ts holds the kernel to a
 * JavaScript reference).
 *
 * A sweep relaxes each pixel from its neighbour just passed in its row and the three in the row
 * passed. Done in that order pixel by pixel, every pixel waits on the one before it through both
 * kinds of step; the minimum does not care about the order of its terms, so the three of the
 * row passed are taken first, four pixels at a time, and only the step along the row is left
 * in a chain.
 */

import { i32At } from './at';

/** no seed reached: larger than any distance in a plane that fits memory, and NONE + 4 fits an i32 */
const NONE: i32 = 0x3fffffff;

/**
 * The `w` x `h` binary bytes at `ink` (0 paper, else ink), with `pad` pixels of paper added on
 * every side, eroded (`dilate` 0: ink where the distance to paper is at least `limit`) or
 * dilated (1: ink where the distance to ink is less than `limit`) into the bytes `out` (1 ink, 0
 * paper; w + 2 pad wide, h + 2 pad high), with `d` as scratch (as many i32s, 8-byte aligned).
 * The box of the result's ink within the region whose corners are the four i32s at `box` (x0,
 * y0, x1, y1, in `out`) is written over them; 0 when no ink is left there, else 1.
 */
export function strokeMorph(ink: usize, w: i32, h: i32, pad: i32, dilate: i32, limit: i32, d: usize, out: usize, box: usize): i32 {
  const width = w + 2 * pad;
  const height = h + 2 * pad;
  seeds(ink, w, h, pad, dilate != 0, d);
  for (let y = 0; y < height; y++) sweepRow(d, width, y, y > 0 ? y - 1 : -1, 1);
  for (let y = height - 1; y >= 0; y--) sweepRow(d, width, y, y < height - 1 ? y + 1 : -1, -1);
  verdicts(d, width * height, limit, dilate != 0, out);
  return inkBox(out, width, box);
}

/** d = 0 on the seeds (ink when `seedIsInk`, else paper, the padding included), NONE elsewhere. */
function seeds(ink: usize, w: i32, h: i32, pad: i32, seedIsInk: bool, d: usize): void {
  const none = i32x4.splat(NONE);
  const paperSeed = seedIsInk ? NONE : 0;
  const width = w + 2 * pad;
  const n = width * (h + 2 * pad);
  const paperLanes = i32x4.splat(paperSeed);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(d + (<usize>i << 2), paperLanes);
  for (; i < n; i++) store<i32>(d + (<usize>i << 2), paperSeed);
  // all ones in the lanes of paper; flipped when the seeds are the ink
  const flip = seedIsInk ? i32x4.splat(-1) : i32x4.splat(0);
  for (let y = 0; y < h; y++) {
    const src = ink + <usize>(y * w);
    const dst = d + (<usize>((y + pad) * width + pad) << 2);
    let x = 0;
    for (; x + 4 <= w; x += 4) {
      const paper = i32x4.eq(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(src + <usize>x))), i32x4.splat(0));
      // a seed is 0, the rest NONE
      v128.store(dst + (<usize>x << 2), v128.andnot(none, v128.xor(paper, flip)));
    }
    for (; x < w; x++) store<i32>(dst + (<usize>x << 2), (load<u8>(src + <usize>x) != 0) == seedIsInk ? 0 : NONE);
  }
}

/**
 * Row `y` of the distances relaxed from row `from` (the row passed, none when off the plane)
 * and then along itself in the sweep's direction (`step` 1: left to right, -1: right to left).
 */
function sweepRow(d: usize, w: i32, y: i32, from: i32, step: i32): void {
  const row = d + (<usize>(y * w) << 2);
  if (from >= 0) {
    const passed = d + (<usize>(from * w) << 2);
    // the pixel above or below (+3) and its two neighbours (+4), at the ends without the one off the row
    const three = i32x4.splat(3);
    const four = i32x4.splat(4);
    store<i32>(row, min(i32At(row, 0), min(i32At(passed, 0) + 3, w > 1 ? i32At(passed, 1) + 4 : NONE)));
    let x = 1;
    for (; x + 4 < w; x += 4) {
      const at = <usize>x << 2;
      const vertical = i32x4.add(v128.load(passed + at), three);
      const diagonal = i32x4.min_s(v128.load(passed + at - 4), v128.load(passed + at + 4));
      v128.store(row + at, i32x4.min_s(v128.load(row + at), i32x4.min_s(vertical, i32x4.add(diagonal, four))));
    }
    for (; x < w; x++) {
      const right = x + 1 < w ? i32At(passed, x + 1) + 4 : NONE;
      const relaxed = min(i32At(row, x), min(i32At(passed, x) + 3, min(i32At(passed, x - 1) + 4, right)));
      store<i32>(row + (<usize>x << 2), relaxed);
    }
  }
  let carried = NONE;
  for (let k = 0, x = step > 0 ? 0 : w - 1; k < w; k++, x += step) {
    const at = row + (<usize>x << 2);
    carried = min(load<i32>(at), carried + 3);
    store<i32>(at, carried);
  }
}

/** out = 1 where the pixel is ink after the erosion (distance to paper at least `limit`) or the dilation (distance to ink below it). */
function verdicts(d: usize, n: i32, limit: i32, dilate: bool, out: usize): void {
  const limits = i32x4.splat(limit);
  const flip = dilate ? i32x4.splat(-1) : i32x4.splat(0);
  const one = i8x16.splat(1);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const at = d + (<usize>i << 2);
    const a = i16x8.narrow_i32x4_s(i32x4.ge_s(v128.load(at), limits), i32x4.ge_s(v128.load(at, 16), limits));
    const b = i16x8.narrow_i32x4_s(i32x4.ge_s(v128.load(at, 32), limits), i32x4.ge_s(v128.load(at, 48), limits));
    v128.store(out + <usize>i, v128.and(v128.xor(i8x16.narrow_i16x8_s(a, b), flip), one));
  }
  for (; i < n; i++) store<u8>(out + <usize>i, <u8>((i32At(d, i) >= limit) != dilate));
}

/**
 * The box of the ink (non-zero bytes) of the `w`-wide plane `out` within the region whose
 * corners are the four i32s at `box`, written over them; 0 when the region holds none, else 1.
 * Each row is read from either end up to its first ink.
 */
function inkBox(out: usize, w: i32, box: usize): i32 {
  const x0 = i32At(box, 0);
  const x1 = i32At(box, 2);
  const y1 = i32At(box, 3);
  let left = x1 + 1;
  let right = x0 - 1;
  let top = -1;
  let bottom = -1;
  for (let y = i32At(box, 1); y <= y1; y++) {
    const row = out + <usize>(y * w);
    let first = x0;
    while (first <= x1 && load<u8>(row + <usize>first) == 0) first++;
    if (first > x1) continue;
    let last = x1;
    while (load<u8>(row + <usize>last) == 0) last--;
    if (top < 0) top = y;
    bottom = y;
    left = min(left, first);
    right = max(right, last);
  }
  if (top < 0) return 0;
  store<i32>(box, left);
  store<i32>(box + 4, top);
  store<i32>(box + 8, right);
  store<i32>(box + 12, bottom);
  return 1;
}
