/**
 * The two pixel passes of the host's background subtraction (src/preprocess/background.ts says
 * what they compute and why): the paper's level per coarse cell, and each pixel's distance from
 * the interpolated paper.
 */
import { quantile } from './histogram';

/**
 * The `q` quantile of each `cell` x `cell` cell of the `w` x `h` levels at `data`, into the
 * `gw` x `gh` f32 grid at `grid`; `counts` is scratch for 256 u32.
 */
export function cellQuantiles(data: usize, w: i32, h: i32, q: f64, cell: i32, gw: i32, gh: i32, counts: usize, grid: usize): void {
  for (let gy = 0; gy < gh; gy++) {
    const y0 = gy * cell;
    const y1 = min(h, y0 + cell);
    for (let gx = 0; gx < gw; gx++) {
      const x0 = gx * cell;
      const x1 = min(w, x0 + cell);
      memory.fill(counts, 0, 256 << 2);
      for (let y = y0; y < y1; y++) {
        const end = data + <usize>(y * w + x1);
        for (let p = data + <usize>(y * w + x0); p < end; p++) {
          const bin = counts + ((<usize>load<u8>(p)) << 2);
          store<u32>(bin, load<u32>(bin) + 1);
        }
      }
      store<f32>(grid + ((<usize>(gy * gw + gx)) << 2), <f32>quantile(counts, 256, q, <f64>((x1 - x0) * (y1 - y0))));
    }
  }
}

/**
 * For each pixel: the paper interpolated bilinearly from the f32 `grid` (per axis, a pixel's
 * cell in the i32 `xIndex` / `yIndex`, the next cell's f64 weight in `xWeight` / `yWeight`, and
 * per cell column one past its last pixel in `xEnd`), subtracted from the level towards the
 * ink's side (`sign` -1 for dark ink), rounded, counted at bin d + 255 of the 511 u32 `signed`
 * counts (which must be zero) and written, clamped at 0, to `levels`. `row` is scratch for `gw`
 * f32. The same operations in the same order as the host's former JavaScript loop: the same
 * levels to the bit.
 */
export function residual(
  data: usize,
  w: i32,
  h: i32,
  grid: usize,
  gw: i32,
  gh: i32,
  sign: f64,
  xIndex: usize,
  xWeight: usize,
  xEnd: usize,
  yIndex: usize,
  yWeight: usize,
  row: usize,
  signed: usize,
  levels: usize,
): void {
  for (let y = 0; y < h; y++) {
    const r0 = load<i32>(yIndex + ((<usize>y) << 2)) * gw;
    const r1 = gh > 1 ? r0 + gw : r0;
    const fy = load<f64>(yWeight + ((<usize>y) << 3));
    for (let c = 0; c < gw; c++) {
      const g0 = <f64>load<f32>(grid + ((<usize>(r0 + c)) << 2));
      const g1 = <f64>load<f32>(grid + ((<usize>(r1 + c)) << 2));
      store<f32>(row + ((<usize>c) << 2), <f32>(g0 + fy * (g1 - g0)));
    }
    let p = y * w;
    // cell by cell: the background's start and rise towards the next cell's centre are read once per cell
    for (let x = 0; x < w;) {
      const c = load<i32>(xIndex + ((<usize>x) << 2));
      const start = <f64>load<f32>(row + ((<usize>c) << 2));
      const rise = <f64>load<f32>(row + ((<usize>(gw > 1 ? c + 1 : c)) << 2)) - start;
      const end = load<i32>(xEnd + ((<usize>c) << 2));
      for (; x < end; x++, p++) {
        // d + 255 is in 0..510: flooring d + 255.5 rounds d to the nearest level
        const level = <f64>load<u8>(data + <usize>p);
        const bin = <i32>(sign * (level - (start + load<f64>(xWeight + ((<usize>x) << 3)) * rise)) + 255.5);
        const at = signed + ((<usize>bin) << 2);
        store<u32>(at, load<u32>(at) + 1);
        store<u8>(levels + <usize>p, bin > 255 ? bin - 255 : 0);
      }
    }
  }
}
