/**
 * Subtract the paper, so uneven lighting (a gradient, a vignette, the phone's shadow) and the
 * paper's tint do not pass for ink. Lighting varies slowly and strokes are thin: in a coarse
 * cell, a quantile on the paper's side (the 25% quantile of the ink-bright picture) is the
 * paper even where ink covers most of the cell, and a 3x3 median over the grid of cells
 * replaces the odd cell a blot of ink did fill while keeping linear gradients exact. The grid
 * is interpolated bilinearly between cell centres. The result is ink strength, bright ink on
 * dark whichever side the ink was on. Cost: one pass to fill the cell histograms, one to
 * interpolate and subtract, O(pixels), in WebAssembly (assembly/background.ts).
 */
import type { Plane } from './plane.js';
import { kernels, place, placeCopy, scoped, u32, u8 } from '../kernels.js';

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
}

/** How far each pixel of `img` is from the paper, towards the ink's side (darker when `darkInk`), clamped at 0. */
export function subtractBackground(img: Plane, darkInk: boolean): Residual {
  const { width: w, height: h, data } = img;
  const cell = Math.max(MIN_BACKGROUND_CELL, Math.ceil(Math.max(w, h) / BACKGROUND_GRID_CELLS));
  const gw = Math.ceil(w / cell);
  const gh = Math.ceil(h / cell);
  return scoped(() => {
    // signed residual -255..255 at bin v + 255: the noise estimate and the levels' histogram
    const signed = place(511 * 4);
    u32(signed, 511).fill(0);
    const levels = place(w * h);
    // the paper is on the other side of the ink: the upper quantile when the ink is dark
    const q = darkInk ? 1 - BACKGROUND_QUANTILE : BACKGROUND_QUANTILE;
    const scratch = place(kernels.backgroundScratchBytes(w, h, gw, gh));
    kernels.subtractBackground(placeCopy(data), w, h, q, cell, gw, gh, darkInk ? -1 : 1, scratch, signed, levels);
    const noise = (kernels.quantile(signed, 511, 0.25, w * h) - kernels.quantile(signed, 511, 0.05, w * h)) / NORMAL_5_TO_25;
    const histogram = u32(signed + 255 * 4, 256).slice();
    for (const count of u32(signed, 255)) histogram[0]! += count;
    return { levels: u8(levels, w * h).slice(), histogram, noise };
  });
}
