/**
 * Subtract the paper, so uneven lighting (a gradient, a vignette, the phone's shadow) and the
 * paper's tint do not pass for ink. Lighting varies slowly and strokes are thin: in a coarse
 * cell, a quantile on the paper's side (the 25% quantile of the ink-bright picture) is the
 * paper even where ink covers most of the cell, and a 3x3 median over the grid of cells
 * replaces the odd cell a blot of ink did fill while keeping linear gradients exact. The grid
 * is interpolated bilinearly between cell centres. The result is ink strength, bright ink on
 * dark whichever side the ink was on. Cost: one pass to fill the cell histograms (whose sum
 * is the picture's histogram, which decides the ink's side) and one to interpolate, subtract
 * and count, O(pixels), both WebAssembly kernels (assembly/background.ts; docs/ARCHITECTURE.md,
 * "Kernels in WebAssembly").
 */
import type { Plane } from './plane.js';
import { quantile } from './histogram.js';
import { hasLightBackground } from './polarity.js';
import { pixelKernels, place, placeCopy, scoped, u32, u8 } from '../kernels/pixels.js';
import { slabCopyU8, slabF32, slabU32 } from '../slab.js';

/** cells along the longer side: coarse enough that a stroke never fills a cell */
export const BACKGROUND_GRID_CELLS = 8;
/** smallest cell side, pixels: a small picture is one sheet under one light */
export const MIN_BACKGROUND_CELL = 16;
/** the paper's level in a cell: ink may cover up to 1 - this share of it */
export const BACKGROUND_QUANTILE = 0.25;

/** distance between the 5% and the 25% quantiles of a standard normal */
const NORMAL_5_TO_25 = 0.9704;

export interface Residual {
  /** ink strength above the paper, 0..255 */
  readonly levels: Uint8Array;
  /** histogram of `levels` */
  readonly histogram: Uint32Array;
  /**
   * the paper's noise, levels: the standard deviation normal noise would have to spread the
   * residual's 5% and 25% quantiles this far apart. The low side of the ink-bright residual
   * is paper only, however much of the picture the ink covers.
   */
  readonly noise: number;
  /** the ink is darker than the paper: as given, or as read from the picture's levels (polarity.ts) */
  readonly darkInk: boolean;
}

/**
 * How far each pixel of `img` is from the paper, towards the ink's side, clamped at 0. The side
 * is `darkInk` when given, else hasLightBackground of the picture's levels: their counts are
 * the cells' counts summed, so the pass that counts the cells decides it.
 */
export function subtractBackground(img: Plane, darkInk?: boolean): Residual {
  const { width: w, height: h, data } = img;
  const cell = Math.max(MIN_BACKGROUND_CELL, Math.ceil(Math.max(w, h) / BACKGROUND_GRID_CELLS));
  const gw = Math.ceil(w / cell);
  const gh = Math.ceil(h / cell);
  const cells = gw * gh;
  // two kernels (assembly/background.ts) on one copy of the levels: the cells' counts, then
  // the residual against the paper those counts give
  return scoped(() => {
    const kernels = pixelKernels();
    const pixels = placeCopy(data);
    const counts = place((cells + 1) * 256 * 4);
    kernels.cellCounts(pixels, w, h, cell, gw, gh, counts, place(256 * 4));
    // a view of the kernels' memory, read before anything more is placed (which may move it)
    const running = u32(counts, (cells + 1) * 256);
    const dark = darkInk ?? hasLightBackground(running.subarray(cells * 256));
    // the paper is on the other side of the ink: the upper quantile when the ink is dark
    const grid = median3x3(cellQuantiles(running, dark ? 1 - BACKGROUND_QUANTILE : BACKGROUND_QUANTILE, cell, w, h, gw, gh), gw, gh);
    const xs = axisWeights(w, cell, gw);
    const ys = axisWeights(h, cell, gh);
    const levels = place(w * h);
    // the signed residual's counts, -255..255 at bin v + 255: the noise estimate and the levels' histogram
    const signedCounts = place(2 * 511 * 4);
    kernels.residual(
      pixels,
      w,
      h,
      placeCopy(grid),
      gw,
      gh,
      placeCopy(xs.index),
      placeCopy(xs.weight),
      placeCopy(xs.end),
      placeCopy(ys.index),
      placeCopy(ys.weight),
      dark ? -1 : 1,
      place(gw * 4),
      levels,
      signedCounts,
    );
    const signed = u32(signedCounts, 511);
    const noise = (quantile(signed, 0.25, w * h) - quantile(signed, 0.05, w * h)) / NORMAL_5_TO_25;
    const histogram = slabU32(256);
    histogram.set(signed.subarray(255));
    for (let bin = 0; bin < 255; bin++) histogram[0]! += signed[bin]!;
    return { levels: slabCopyU8(u8(levels, w * h)), histogram, noise, darkInk: dark };
  });
}

/**
 * Each cell's `q` quantile, from the running counts of the cells (the cellCounts kernel): counts
 * k are those of the first k cells, so cell k's own are counts k + 1 less counts k.
 */
function cellQuantiles(running: Uint32Array, q: number, cell: number, w: number, h: number, gw: number, gh: number): Float32Array {
  const grid = slabF32(gw * gh);
  for (let gy = 0, k = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++, k++) {
      const total = (Math.min(w, (gx + 1) * cell) - gx * cell) * (Math.min(h, (gy + 1) * cell) - gy * cell);
      grid[k] = quantile(running, q, total, (k + 1) * 256, 256, k * 256);
    }
  }
  return grid;
}

/** Median of each cell's 3x3 neighbourhood (fewer at the edges; the mean of the middle two when even). */
function median3x3(grid: Float32Array, gw: number, gh: number): Float32Array {
  const out = slabF32(grid.length);
  const window = new Float32Array(9);
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++) {
      let n = 0;
      for (let y = Math.max(0, gy - 1); y <= Math.min(gh - 1, gy + 1); y++) {
        for (let x = Math.max(0, gx - 1); x <= Math.min(gw - 1, gx + 1); x++) insertSorted(window, n++, grid[y * gw + x]!);
      }
      const m = n >> 1;
      out[gy * gw + gx] = n % 2 ? window[m]! : (window[m - 1]! + window[m]!) / 2;
    }
  }
  return out;
}

/** Puts `v` among the sorted `sorted[0..n)`, keeping them sorted: a sort of the nine values without a comparator call per pair. */
function insertSorted(sorted: Float32Array, n: number, v: number): void {
  let i = n;
  for (; i > 0 && sorted[i - 1]! > v; i--) sorted[i] = sorted[i - 1]!;
  sorted[i] = v;
}

interface AxisWeights {
  readonly index: Int32Array;
  readonly weight: Float64Array;
  /** per cell, one past the last pixel whose `index` it is: the pixel loop tests one bound per run */
  readonly end: Int32Array;
}

/** axisWeights' results for the last few axes seen (a batch's pictures mostly share a size), only ever read. */
const recentAxes = new Map<string, AxisWeights>();
const RECENT_AXES = 8;

function axisWeights(size: number, cell: number, cells: number): AxisWeights {
  const key = `${size},${cell},${cells}`;
  let axis = recentAxes.get(key);
  if (axis === undefined) {
    axis = computeAxisWeights(size, cell, cells);
    if (recentAxes.size >= RECENT_AXES) recentAxes.delete(recentAxes.keys().next().value!);
    recentAxes.set(key, axis);
  }
  return axis;
}

/**
 * Per pixel along one axis: the cell whose centre is at or before it, and the weight of the next
 * cell. The weights are rounded to single precision, which the residual's rounding depends on,
 * but held as doubles: the pixel loop then reads them without a conversion each.
 */
function computeAxisWeights(size: number, cell: number, cells: number): AxisWeights {
  const centre = (c: number) => (c * cell + Math.min(size, (c + 1) * cell) - 1) / 2;
  const index = new Int32Array(size);
  const weight = new Float64Array(size);
  const end = new Int32Array(cells);
  end[0] = size;
  if (cells === 1) return { index, weight, end };
  let c = 0;
  let from = centre(0);
  let to = centre(1);
  for (let p = 0; p < size; p++) {
    while (c < cells - 2 && p >= to) {
      c++;
      from = to;
      to = centre(c + 1);
    }
    index[p] = c;
    end[c] = p + 1;
    // clamped: flat before the first centre and after the last
    weight[p] = Math.fround(Math.min(1, Math.max(0, (p - from) / (to - from))));
  }
  return { index, weight, end };
}
