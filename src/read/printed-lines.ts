/**
 * Printed lines (form box edges, rulings, squared paper) out of the ink mask. A printed line
 * runs straight along the writing's slant across much of the picture, so along that slant one
 * thin band of rows (or, across it, of columns) holds far more ink than any row through digits,
 * whose strokes only cross it. The slant is the angle whose sheared rows concentrate the ink
 * most. A line's pixels are erased, except where ink lies on both sides of the band: a digit's
 * stroke crossing the line keeps its bridge.
 */
import type { Plane } from '../preprocess/plane.js';

/** angles tried either side of horizontal, degrees, and the step between them */
export const MAX_SLANT = 6;
export const SLANT_STEP = 0.25;
/** a row along the slant is a printed line when its ink covers this share of the ink's extent */
export const LINE_FILL = 0.45;
/** a column across the slant likewise, of the ink's height: box edges, grid lines, margins */
export const EDGE_FILL = 0.75;
/** a line holds at least this many times the ink's extent across it: a digit's bar is shorter than the digit is tall */
export const MIN_LINE = 1.2;
/** thickest band kept as a line, as a share of the ink's shorter extent (and never under MIN_BAND) */
export const MAX_BAND_SHARE = 0.08;
export const MIN_BAND = 4;
/** the shortest stretch of a line that counts towards its fill, as a share of the height of the ink's row */
export const LINE_RUN = 0.5;
export const EDGE_RUN = 0.5;
/** gaps bridged along a line, as a share of the height of the ink's row: a faint printed line is dotted once thresholded */
export const RUN_GAP = 0.08;
/** how far past a band's edge, in pixels, a crossing stroke is looked for */
const CROSS_REACH = [2, 3, 4] as const;

interface Extent {
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
}

/** Erases printed lines from `mask` (1 = ink) in place; true when it found any. */
export function removePrintedLines(mask: Plane): boolean {
  const extent = inkExtent(mask);
  if (extent === null) return false;
  const slope = estimateSlope(mask);
  const long = extent.x1 - extent.x0 + 1;
  // the ink's height, less what the slant adds to it: the height of the line of digits or of a form's boxes
  const tall = extent.y1 - extent.y0 + 1 - Math.abs(slope) * (long - 1);
  const gap = Math.max(2, Math.round(RUN_GAP * tall));
  const maxBand = Math.max(MIN_BAND, Math.round(MAX_BAND_SHARE * Math.min(long, tall)));
  const rows = lineBands(mask, slope, {
    fill: LINE_FILL * long,
    ink: Math.max(LINE_FILL * long, MIN_LINE * tall),
    run: LINE_RUN * tall,
    gap,
    maxBand,
  });
  const withoutRows = eraseBands(mask, mask, slope, rows);
  // edges across the slant only come with lines along it: on plain paper a lone "1" would fill its column
  if (rows.length === 0) return false;
  // perpendicular to the lines along: the page is turned as a whole
  const flipped = transpose(mask);
  const columns = lineBands(transpose(withoutRows), -slope, {
    fill: EDGE_FILL * tall,
    ink: EDGE_FILL * tall,
    run: EDGE_RUN * tall,
    gap,
    maxBand,
  });
  // where lines cross, each one's ink on both sides of the other is a line, not a stroke: each
  // family is erased with its bridges judged on the ink without the other family
  const withoutColumns = transpose(eraseBands(flipped, flipped, -slope, columns));
  const rowsErased = eraseBands(mask, withoutColumns, slope, rows);
  mask.data.set(transpose(eraseBands(transpose(rowsErased), transpose(withoutRows), -slope, columns)).data);
  return true;
}

function inkExtent(mask: Plane): Extent | null {
  const { width: w, height: h, data } = mask;
  let [x0, y0, x1, y1] = [w, h, -1, -1];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!data[y * w + x]) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  return x1 < 0 ? null : { x0, x1, y0, y1 };
}

/** Sheared rows: row index of (x, y) for slope t, and the offset keeping indices non-negative. */
function shear(w: number, t: number) {
  const offset = Math.ceil((w - 1) * Math.abs(t));
  return { offset, row: (x: number, y: number) => Math.round(y - x * t) + offset };
}

function projection(mask: Plane, t: number): Int32Array {
  const { width: w, height: h, data } = mask;
  const { offset, row } = shear(w, t);
  const counts = new Int32Array(h + 2 * offset + 1);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (data[y * w + x]) counts[row(x, y)]!++;
  return counts;
}

/** The slope along which some sheared row holds the most ink. */
function estimateSlope(mask: Plane): number {
  let best = 0;
  let bestCount = -1;
  for (let deg = -MAX_SLANT; deg <= MAX_SLANT; deg += SLANT_STEP) {
    const t = Math.tan((deg * Math.PI) / 180);
    const peak = Math.max(...projection(mask, t));
    if (peak > bestCount) {
      bestCount = peak;
      best = t;
    }
  }
  return best;
}

/** What makes a band of sheared rows a printed line, in pixels. */
interface LineRule {
  /** ink in the band's densest pair of rows, at least */
  readonly fill: number;
  /** ink in long stretches along the band, at least */
  readonly ink: number;
  /** the shortest stretch counted */
  readonly run: number;
  /** gaps bridged within a stretch */
  readonly gap: number;
  /** the band's thickness, at most */
  readonly maxBand: number;
}

/** Inclusive ranges of sheared row indices that are printed lines. */
function lineBands(mask: Plane, t: number, rule: LineRule): [number, number][] {
  const counts = projection(mask, t);
  // a line between two sheared rows splits its ink over both: judged by pairs of rows
  const pair = (r: number) => counts[r]! + Math.max(counts[r - 1] ?? 0, counts[r + 1] ?? 0);
  const bands: [number, number][] = [];
  for (let r = 0; r < counts.length; r++) {
    if (pair(r) < rule.fill) continue;
    let [r0, r1] = [r, r];
    while (r1 + 1 < counts.length && pair(r1 + 1) >= rule.fill) r1++;
    r = r1;
    // the anti-aliased edges of the line, fainter along it
    while (r0 > 0 && counts[r0 - 1]! >= rule.fill / 2) r0--;
    while (r1 + 1 < counts.length && counts[r1 + 1]! >= rule.fill / 2) r1++;
    if (r1 - r0 + 1 <= rule.maxBand && longRunInk(mask, t, r0, r1, rule.run, rule.gap) >= rule.ink) bands.push([r0, r1]);
  }
  return bands;
}

/**
 * The band's ink in stretches at least `minRun` long, gaps of up to `gap` pixels bridged: a
 * printed line is one long stretch (or one per form box), a row through digits is many short
 * ones, a bar or a base now and then.
 */
function longRunInk(mask: Plane, t: number, r0: number, r1: number, minRun: number, gap: number): number {
  const { width: w, height: h, data } = mask;
  const { offset } = shear(w, t);
  let [total, start, last] = [0, 0, -Infinity];
  const close = () => {
    if (last - start + 1 >= minRun) total += last - start + 1;
  };
  for (let x = 0; x < w; x++) {
    let ink = false;
    for (let r = r0; r <= r1 && !ink; r++) {
      const y = Math.round(r - offset + x * t);
      ink = y >= 0 && y < h && data[y * w + x] === 1;
    }
    if (!ink) continue;
    if (x - last > gap + 1) {
      close();
      start = x;
    }
    last = x;
  }
  close();
  return total;
}

/** A copy of `target` with the bands' pixels erased where `original` has no ink on both sides of the band. */
function eraseBands(target: Plane, original: Plane, t: number, bands: readonly [number, number][]): Plane {
  const { width: w, height: h } = target;
  const out = target.data.slice();
  const { offset } = shear(w, t);
  const inkAt = (x: number, r: number) => {
    const y = Math.round(r - offset + x * t);
    return y >= 0 && y < h && original.data[y * w + x] === 1;
  };
  for (const [r0, r1] of bands) {
    for (let x = 0; x < w; x++) {
      const above = CROSS_REACH.some((d) => inkAt(x, r0 - d));
      const below = CROSS_REACH.some((d) => inkAt(x, r1 + d));
      if (above && below) continue;
      for (let r = r0; r <= r1; r++) {
        const y = Math.round(r - offset + x * t);
        if (y >= 0 && y < h) out[y * w + x] = 0;
      }
    }
  }
  return { width: w, height: h, data: out };
}

function transpose(p: Plane): Plane {
  const { width: w, height: h, data } = p;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[x * h + y] = data[y * w + x]!;
  return { width: h, height: w, data: out };
}
