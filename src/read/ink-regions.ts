/**
 * The ink mask of a line, with a threshold of its own for each faint patch. One threshold for
 * the whole line (Otsu's, line-ink.ts) sits between the paper and the line's usual ink, so a
 * digit written at half the pen's pressure falls apart into specks under it. Each region of
 * ink above a lower level is thresholded at a share of its own peak instead, but never above
 * the line's threshold: a digit of the usual strength keeps the line's threshold (and a
 * one-digit picture /predict's own mask), a faint one is cut at its own level.
 */
import type { Plane } from '../preprocess/plane.js';
import { componentRuns, type ComponentRuns } from './components.js';
import type { LineInk } from './line-ink.js';

/** the lowest level a faint region reaches down to, as a share of the line's threshold */
export const FAINT_FLOOR = 0.5;
/** a region's own threshold, as a share of its brightest level */
export const PEAK_SHARE = 0.4;
/** a region is faint when its brightest level is under this many times the line's threshold */
export const FAINT_PEAK = 1.8;

export interface InkRegions {
  /** 1 where the ink is, else 0 */
  readonly mask: Plane;
  /** per pixel, the threshold its region's ink was cut at (the line's threshold off the ink) */
  readonly thresholds: Uint8Array;
  /** 1 where the ink is above the faint floor: what faint printed lines show in */
  readonly floor: Plane;
}

/** The ink above the faint floor, as regions: lowInk and inkRegions both judge a region by its brightest level. */
export interface FloorRegions extends ComponentRuns {
  /** 1 where the level is above FAINT_FLOOR times the line's threshold */
  readonly floor: Plane;
  /** per label, the region's brightest level */
  readonly peaks: Uint8Array;
}

export function floorRegions(ink: LineInk): FloorRegions {
  const { width, height, data } = ink.levels;
  const level = Math.ceil(FAINT_FLOOR * ink.threshold);
  const floor = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) floor[i] = data[i]! > level ? 1 : 0;
  const regions = componentRuns({ width, height, data: floor });
  const { x0, x1, y, label } = regions.runs;
  const peaks = new Uint8Array(regions.components.length + 1);
  for (let k = 0; k < label.length; k++) {
    const row = y[k]! * width;
    for (let i = row + x0[k]!; i <= row + x1[k]!; i++) if (data[i]! > peaks[label[k]!]!) peaks[label[k]!] = data[i]!;
  }
  return { ...regions, floor: { width, height, data: floor }, peaks };
}

/** Null when no region is faint: the line's threshold holds everywhere. `regions` are floorRegions(ink), when already found. */
export function inkRegions(ink: LineInk, regions: FloorRegions = floorRegions(ink)): InkRegions | null {
  const { width, height, data } = ink.levels;
  const { runs, peaks } = regions;
  // a region that never reaches the line's threshold is paper noise, not a digit; one that peaks
  // well above it is written at the usual strength
  const faint = Array.from(peaks, (peak, label) => label > 0 && peak > ink.threshold && peak < FAINT_PEAK * ink.threshold);
  if (!faint.includes(true)) return null;
  const floor = Math.ceil(FAINT_FLOOR * ink.threshold);
  const cut = peaks.map((peak, label) => (faint[label] ? Math.max(floor, Math.round(PEAK_SHARE * peak)) : ink.threshold));
  const mask = new Uint8Array(data.length);
  const thresholds = new Uint8Array(data.length).fill(ink.threshold);
  for (let k = 0; k < runs.label.length; k++) {
    const level = cut[runs.label[k]!]!;
    const row = runs.y[k]! * width;
    for (let i = row + runs.x0[k]!; i <= row + runs.x1[k]!; i++) {
      thresholds[i] = level;
      mask[i] = data[i]! > level ? 1 : 0;
    }
  }
  return { mask: { width, height, data: mask }, thresholds, floor: { width, height, data: regions.floor.data.slice() } };
}

/** The line's own threshold at every pixel. */
export function uniform(ink: LineInk): Uint8Array {
  return new Uint8Array(ink.levels.data.length).fill(ink.threshold);
}
