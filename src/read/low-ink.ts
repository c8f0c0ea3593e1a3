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
import { labelComponents } from './components.js';
import { FAINT_FLOOR, FAINT_PEAK } from './ink-regions.js';
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
  /** 1 on shading */
  readonly shading: Uint8Array;
  /** around the ink above the line's threshold in regions other than shading and noise; null when there is none */
  readonly extent: Extent | null;
  /** the height of the tallest region that reaches the usual ink's strength (FAINT_PEAK times the threshold) */
  readonly tallestStrong: number;
}

export function lowInk(ink: LineInk): LowInk {
  const { width: w, height: h, data } = ink.levels;
  const floor = Math.ceil(FAINT_FLOOR * ink.threshold);
  const low = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) low[i] = data[i]! > floor ? 1 : 0;
  const mask = { width: w, height: h, data: low };
  const { labels, components } = labelComponents(mask);
  const peaks = new Uint8Array(components.length + 1);
  for (let i = 0; i < data.length; i++) {
    const label = labels[i]!;
    if (label > 0 && data[i]! > peaks[label]!) peaks[label] = data[i]!;
  }
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
  const shading = new Uint8Array(data.length);
  let [x0, y0, x1, y1] = [w, h, -1, -1];
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      const kind = kinds[labels[i]!]!;
      if (kind === SHADING) shading[i] = labels[i]! > 0 ? 1 : 0;
      if (kind !== INK || data[i]! <= ink.threshold) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  const extent = x1 < 0 ? null : { x0, x1, y0, y1 };
  return { mask, shading, extent, tallestStrong };
}

/** `mask` without the pixels set in `off`, in place. */
export function clearWhere(mask: Plane, off: Uint8Array): Plane {
  for (let i = 0; i < off.length; i++) if (off[i]) mask.data[i] = 0;
  return mask;
}
