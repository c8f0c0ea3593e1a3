/**
 * The background subtraction's passes over the pixels (the host's src/preprocess/background.ts
 * says what they compute and why): the cells' level counts, then the paper's level interpolated
 * bilinearly between the cell centres, subtracted, and the signed residual counted. The same
 * f64 operations in the same order as the host's former JavaScript loop, two pixels per f64x2
 * lane by lane (WebAssembly never fuses a multiply and an add), so the same levels to the bit.
 * Paper pixels side by side mostly share a level, and a count incremented twice in a row waits
 * for its first store: both passes count every other pixel apart and add the two at the end.
 */

import { i32At, valueAt } from './at';

/**
 * The level counts of the gw x gh cells of `cell` pixels (row by row) of the `w` x `h` levels
 * at `data`, running, at `running` ((gw gh + 1) x 256 u32): counts k are those of the first k
 * cells, so the last are the whole picture's. Each cell starts from a copy of the counts before
 * it; every other pixel is counted apart at `odd` (256 u32) and added at the cell's end.
 */
export function cellCounts(data: usize, w: i32, h: i32, cell: i32, gw: i32, gh: i32, running: usize, odd: usize): void {
  memory.fill(running, 0, 256 << 2);
  memory.fill(odd, 0, 256 << 2);
  const zero = i32x4.splat(0);
  for (let gy = 0, k = 0; gy < gh; gy++) {
    const y0 = gy * cell;
    const y1 = min(h, y0 + cell);
    for (let gx = 0; gx < gw; gx++, k++) {
      const x0 = gx * cell;
      const x1 = min(w, x0 + cell);
      const counts = running + (<usize>(k + 1) << 10);
      for (let i: usize = 0; i < 1024; i += 16) v128.store(counts + i, v128.load(counts - 1024 + i));
      for (let y = y0; y < y1; y++) {
        let p = data + <usize>(y * w + x0);
        const end = data + <usize>(y * w + x1);
        for (; p + 1 < end; p += 2) {
          const even = counts + (<usize>load<u8>(p) << 2);
          store<u32>(even, load<u32>(even) + 1);
          const other = odd + (<usize>load<u8>(p, 1) << 2);
          store<u32>(other, load<u32>(other) + 1);
        }
        if (p < end) {
          const even = counts + (<usize>load<u8>(p) << 2);
          store<u32>(even, load<u32>(even) + 1);
        }
      }
      for (let i: usize = 0; i < 1024; i += 16) {
        v128.store(counts + i, i32x4.add(v128.load(counts + i), v128.load(odd + i)));
        v128.store(odd + i, zero);
      }
    }
  }
}

/** One pixel's signed residual bin (d + 255 rounded, 0..510) counted, and its level (the bin's part above 255) stored. */
@inline
function scalarPixel(data: usize, p: i32, start: f64, weight: f64, rise: f64, sign: f64, levels: usize, signed: usize): void {
  // d + 255 is in 0..510: truncating d + 255.5 rounds d to the nearest level
  const bin = <i32>(sign * (<f64>load<u8>(data + <usize>p) - (start + weight * rise)) + 255.5);
  const counter = signed + (<usize>bin << 2);
  store<u32>(counter, load<u32>(counter) + 1);
  store<u8>(levels + <usize>p, <u8>max(0, bin - 255));
}

/**
 * The residual of the `w` x `h` levels at `data` against the paper: `grid` holds the paper's
 * level at each of the gw x gh cell centres (f32); per pixel column `xIndex` (i32) is the cell
 * whose centre is at or before it and `xWeight` (f64) the next cell's weight, `xEnd` (i32, per
 * cell) one past its last column; `yIndex` and `yWeight` the same per row. `sign` is -1 when
 * the ink is dark. Writes each pixel's level above the paper (0..255) at `levels` and the
 * counts of the signed residual (511 u32, bin v + 255 for v in -255..255) at `signed`, which
 * has room for twice that; `row` has room for gw f32.
 */
export function residual(
  data: usize,
  w: i32,
  h: i32,
  grid: usize,
  gw: i32,
  gh: i32,
  xIndex: usize,
  xWeight: usize,
  xEnd: usize,
  yIndex: usize,
  yWeight: usize,
  sign: f64,
  row: usize,
  levels: usize,
  signed: usize,
): void {
  // the second pixel of each pair is counted apart, then added
  const pairs = signed + (511 << 2);
  memory.fill(signed, 0, 2 * (511 << 2));
  const signs = f64x2.splat(sign);
  const half = f64x2.splat(255.5);
  const paper = i32x4.splat(255);
  const none = i32x4.splat(0);
  for (let y = 0; y < h; y++) {
    const r0 = i32At(yIndex, y) * gw;
    const r1 = gh > 1 ? r0 + gw : r0;
    const fy = valueAt<f64>(yWeight, y);
    // the paper along this row at each cell column's centre, rounded to f32 as the host's row was
    for (let c = 0; c < gw; c++) {
      const top = <f64>load<f32>(grid + (<usize>(r0 + c) << 2));
      const bottom = <f64>load<f32>(grid + (<usize>(r1 + c) << 2));
      store<f32>(row + (<usize>c << 2), <f32>(top + fy * (bottom - top)));
    }
    for (let x = 0, p = y * w; x < w; ) {
      const c = i32At(xIndex, x);
      const start = <f64>load<f32>(row + (<usize>c << 2));
      const rise = <f64>load<f32>(row + (<usize>(gw > 1 ? c + 1 : c) << 2)) - start;
      const starts = f64x2.splat(start);
      const rises = f64x2.splat(rise);
      const end = i32At(xEnd, c);
      for (; x + 1 < end; x += 2, p += 2) {
        const d = f64x2.convert_low_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load16_splat(data + <usize>p))));
        const paperLevel = f64x2.add(starts, f64x2.mul(v128.load(xWeight + (<usize>x << 3)), rises));
        const bins = i32x4.trunc_sat_f64x2_s_zero(f64x2.add(f64x2.mul(signs, f64x2.sub(d, paperLevel)), half));
        const first = signed + (<usize>i32x4.extract_lane(bins, 0) << 2);
        store<u32>(first, load<u32>(first) + 1);
        const second = pairs + (<usize>i32x4.extract_lane(bins, 1) << 2);
        store<u32>(second, load<u32>(second) + 1);
        const above = i32x4.max_s(i32x4.sub(bins, paper), none);
        store<u16>(levels + <usize>p, <u16>i32x4.extract_lane(i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(above, above), above), 0));
      }
      if (x < end) {
        scalarPixel(data, p, start, valueAt<f64>(xWeight, x), rise, sign, levels, signed);
        x++;
        p++;
      }
    }
  }
  for (let bin: usize = 0; bin < 511 << 2; bin += 4) store<u32>(signed + bin, load<u32>(signed + bin) + load<u32>(pairs + bin));
}
