/**
 * The line's ink down to half its threshold, where printed lines are found. A printed line is
 * often under a pixel wide: its level is shared between two rows and, cut at the line's
 * threshold (set between the paper and the pen's ink), it falls apart into dashes; at half that
 * level it stays whole. The same mask shows what the background estimate leaves behind on
 * photos: faint patches of vignetting or uneven light that reach the picture's border. They are
 * not ink: they would pass as digits, and they stretch the ink's extent that printed lines are
 * measured against.
 */
import type { Plane } from '../preprocess/plane.js';
import type { Runs } from './components.js';
import { FAINT_PEAK, floorRegions, type FloorRegions } from './ink-regions.js';
import type { LineInk } from './line-ink.js';
import type { Extent } from './printed-lines.js';

/** a region reaching the picture's border is shading when its brightest level stays under this many times the line's threshold */
export const SHADING_PEAK = 1.6;
/** a region smaller than this share of the picture's longer side either way is noise: it does not set the ink's extent */
export const NOISE_EXTENT = 0.03;

const [SHADING, NOISE, INK] = [0, 1, 2];

export interface LowInk {
  /** 1 where the level is above FAINT_FLOOR times the line's threshold */
  readonly mask: Plane;
  /** the shading's pixels, as runs: it is seldom there, and erasing it then touches it alone */
  readonly shading: Runs;
  /** around the ink above the line's threshold in regions other than shading and noise; null when there is none */
  readonly extent: Extent | null;
  /** the height of the tallest region that reaches the usual ink's strength (FAINT_PEAK times the threshold) */
  readonly tallestStrong: number;
  /** the regions of `mask`, for inkRegions */
  readonly regions: FloorRegions;
}

export function lowInk(ink: LineInk): LowInk {
  const { width: w, height: h, data } = ink.levels;
  const regions = floorRegions(ink);
  const { components, peaks } = regions;
  // noise and shading do not set the extent, nor does the faint halo around the ink: a patch of
  // shading that reaches a printed line joins its region
  const kinds = new Uint8Array(components.length + 1);
  const noise = NOISE_EXTENT * Math.max(w, h);
  let tallestStrong = 0;
  for (const c of components) {
    const peak = peaks[c.label]!;
    const atBorder = c.x0 === 0 || c.y0 === 0 || c.x1 === w - 1 || c.y1 === h - 1;
    if (atBorder && peak < SHADING_PEAK * ink.threshold) continue;
    if (peak >= FAINT_PEAK * ink.threshold) tallestStrong = Math.max(tallestStrong, c.y1 - c.y0 + 1);
    kinds[c.label] = Math.max(c.x1 - c.x0, c.y1 - c.y0) + 1 < noise ? NOISE : INK;
  }
  const shading = { x0: [] as number[], x1: [] as number[], y: [] as number[] };
  let [x0, y0, x1, y1] = [w, h, -1, -1];
  const { runs } = regions;
  for (let k = 0; k < runs.label.length; k++) {
    const kind = kinds[runs.label[k]!]!;
    const y = runs.y[k]!;
    const row = y * w;
    if (kind === SHADING) {
      shading.x0.push(runs.x0[k]!);
      shading.x1.push(runs.x1[k]!);
      shading.y.push(y);
    }
    if (kind !== INK) continue;
    for (let x = runs.x0[k]!; x <= runs.x1[k]!; x++) {
      if (data[row + x]! <= ink.threshold) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  const extent = x1 < 0 ? null : { x0, x1, y0, y1 };
  return { mask: regions.floor, shading, extent, tallestStrong, regions };
}

/** `mask` without the pixels of the runs `off`, in place. */
export function clearWhere(mask: Plane, off: Runs): Plane {
  const { width, data } = mask;
  for (let k = 0; k < off.y.length; k++) data.fill(0, off.y[k]! * width + off.x0[k]!, off.y[k]! * width + off.x1[k]! + 1);
  return mask;
}
