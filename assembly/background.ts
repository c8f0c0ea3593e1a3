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
function cellQuantiles(data: usize, w: i32, h: i32, q: f64, cell: i32, gw: i32, gh: i32, counts: usize, grid: usize): void {
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
function residual(
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

/** Median of each cell's 3x3 neighbourhood of the f32 `grid` into `out` (fewer at the edges; the mean of the middle two when even); `window` is scratch for 9 f32. */
function median3x3(grid: usize, gw: i32, gh: i32, window: usize, out: usize): void {
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++) {
      let n = 0;
      for (let y = max(0, gy - 1); y <= min(gh - 1, gy + 1); y++) {
        for (let x = max(0, gx - 1); x <= min(gw - 1, gx + 1); x++) {
          // insertion into the sorted window[0..n)
          const v = load<f32>(grid + (<usize>(y * gw + x) << 2));
          let i = n++;
          for (; i > 0 && load<f32>(window + (<usize>(i - 1) << 2)) > v; i--) {
            store<f32>(window + (<usize>i << 2), load<f32>(window + (<usize>(i - 1) << 2)));
          }
          store<f32>(window + (<usize>i << 2), v);
        }
      }
      const m = n >> 1;
      const upper = <f64>load<f32>(window + (<usize>m << 2));
      const median = n % 2 ? upper : (<f64>load<f32>(window + (<usize>(m - 1) << 2)) + upper) / 2;
      store<f32>(out + (<usize>(gy * gw + gx) << 2), <f32>median);
    }
  }
}

/**
 * Per pixel along one axis of `size` pixels in `cells` cells of `cell`: the cell whose centre is
 * at or before it (i32 `index`), the weight of the next cell (f64 `weight`, rounded to single
 * precision, which the residual's rounding depends on), and per cell one past its last pixel
 * (i32 `end`, so the pixel loop tests one bound per run).
 */
function axisWeights(size: i32, cell: i32, cells: i32, index: usize, weight: usize, end: usize): void {
  memory.fill(index, 0, <usize>size << 2);
  memory.fill(weight, 0, <usize>size << 3);
  memory.fill(end, 0, <usize>cells << 2);
  store<i32>(end, size);
  if (cells == 1) return;
  let c = 0;
  let from = centre(0, cell, size);
  let to = centre(1, cell, size);
  for (let p = 0; p < size; p++) {
    while (c < cells - 2 && <f64>p >= to) {
      c++;
      from = to;
      to = centre(c + 1, cell, size);
    }
    store<i32>(index + (<usize>p << 2), c);
    store<i32>(end + (<usize>c << 2), p + 1);
    // clamped: flat before the first centre and after the last
    store<f64>(weight + (<usize>p << 3), <f64>(<f32>min(1.0, max(0.0, (<f64>p - from) / (to - from)))));
  }
}

@inline
function centre(c: i32, cell: i32, size: i32): f64 {
  return <f64>(c * cell + min(size, (c + 1) * cell) - 1) / 2;
}

/** Bytes of scratch subtractBackground needs for a `w` x `h` picture in `gw` x `gh` cells. */
export function backgroundScratchBytes(w: i32, h: i32, gw: i32, gh: i32): i32 {
  return (2 * gw * gh + 9 + 256 + gw) * 4 + (w + h) * 12 + (gw + gh) * 4 + 64;
}

/**
 * The paper subtracted from the `w` x `h` levels at `data`: the `q` quantile of each `cell` x
 * `cell` cell (gw x gh of them), smoothed by a 3x3 median, interpolated bilinearly between cell
 * centres and subtracted towards the ink's side (`sign`); the rounded differences counted into
 * the 511 u32 `signed` counts (zero on entry) and, clamped at 0, written to `levels`. `scratch`
 * holds backgroundScratchBytes(w, h, gw, gh).
 */
export function subtractBackground(
  data: usize,
  w: i32,
  h: i32,
  q: f64,
  cell: i32,
  gw: i32,
  gh: i32,
  sign: f64,
  scratch: usize,
  signed: usize,
  levels: usize,
): void {
  const quantiles = scratch;
  const grid = quantiles + (<usize>(gw * gh) << 2);
  const window = grid + (<usize>(gw * gh) << 2);
  const counts = window + (9 << 2);
  const row = counts + (256 << 2);
  // the f64 weights 8-byte aligned
  const xWeight = (row + (<usize>gw << 2) + 7) & ~7;
  const yWeight = xWeight + (<usize>w << 3);
  const xIndex = yWeight + (<usize>h << 3);
  const yIndex = xIndex + (<usize>w << 2);
  const xEnd = yIndex + (<usize>h << 2);
  const yEnd = xEnd + (<usize>gw << 2);
  cellQuantiles(data, w, h, q, cell, gw, gh, counts, quantiles);
  median3x3(quantiles, gw, gh, window, grid);
  axisWeights(w, cell, gw, xIndex, xWeight, xEnd);
  axisWeights(h, cell, gh, yIndex, yWeight, yEnd);
  residual(data, w, h, grid, gw, gh, sign, xIndex, xWeight, xEnd, yIndex, yWeight, row, signed, levels);
}
