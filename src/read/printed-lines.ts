/**
 * Printed lines (form box edges, rulings, squared paper) out of the ink mask. A printed line
 * runs straight along the writing's slant across much of the picture, so along that slant one
 * thin band of rows (or, across it, of columns) holds far more ink than any row through digits,
 * whose strokes only cross it. The slant is the angle whose sheared rows concentrate the ink
 * most. Lines are looked for in a mask at a lower level than the ink's (low-ink.ts), where a
 * line thinner than a pixel is whole, not dashed; a band is cut around each peak of the rows'
 * ink, so the rows of digits sitting on a line do not join its band. A line's pixels are
 * erased, one row past its band where its slant drifts from the slope found, except where ink
 * lies on both sides of the band: a digit's stroke crossing the line keeps its bridge. A line
 * too faint to reach the ink's threshold is left alone.
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
/** a line is erased from the mask when this share of its pixels in the lower mask are in it */
export const ERASE_SHARE = 0.5;
/** rows erased past a band's edges, where a line drifts out of it (its slant not quite the slope found) */
export const DRIFT = 1;
/** how far past a band's edge, in pixels, a crossing stroke is looked for */
const CROSS_REACH = [2, 3, 4] as const;

export interface Extent {
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
}

/**
 * Erases printed lines from `mask` (1 = ink) in place; true when it found any. They are looked
 * for in `detect` (a mask at a lower level, where a thin line is whole), measured against
 * `extent` (the ink's, without noise); whether a stroke crosses a line is judged on `mask`.
 */
export function removePrintedLines(mask: Plane, detect: Plane = mask, extent: Extent | null = inkExtent(detect)): boolean {
  if (extent === null) return false;
  const { slope, counts } = estimateSlope(detect);
  const long = extent.x1 - extent.x0 + 1;
  // the ink's height, less what the slant adds to it: the height of the line of digits or of a form's boxes
  const tall = extent.y1 - extent.y0 + 1 - Math.abs(slope) * (long - 1);
  const gap = Math.max(2, Math.round(RUN_GAP * tall));
  const maxBand = Math.max(MIN_BAND, Math.round(MAX_BAND_SHARE * Math.min(long, tall)));
  const rows = lineBands(detect, counts, slope, {
    fill: LINE_FILL * long,
    ink: Math.max(LINE_FILL * long, MIN_LINE * tall),
    run: LINE_RUN * tall,
    gap,
    maxBand,
  });
  // edges across the slant only come with lines along it: on plain paper a lone "1" would fill its column
  if (rows.length === 0) return false;
  const across = transpose(eraseBands(detect, detect, slope, rows));
  const columns = lineBands(across, projection(across, -slope), -slope, {
    fill: EDGE_FILL * tall,
    ink: EDGE_FILL * tall,
    run: EDGE_RUN * tall,
    gap,
    maxBand,
  });
  return eraseLines(mask, slope, inMask(rows, mask, detect, slope), inMask(columns, transpose(mask), transpose(detect), -slope));
}

/**
 * The bands whose line shows in `mask` as well as in `detect`. A line too faint to pass the
 * line's threshold is not in the mask, but for a few dots; erasing its band there would only
 * cut the digit strokes that run along it (a 9's loop on a grid line).
 */
function inMask(bands: readonly [number, number][], mask: Plane, detect: Plane, t: number): [number, number][] {
  if (mask === detect) return [...bands];
  const inked = projection(mask, t);
  const found = projection(detect, t);
  const sum = (counts: Int32Array, [r0, r1]: [number, number]) => counts.slice(r0, r1 + 1).reduce((a, b) => a + b, 0);
  return bands.filter((band) => sum(inked, band) >= ERASE_SHARE * sum(found, band));
}

/** Erases the line bands along the slope (`rows`) and across it (`columns`) from `mask`, in place. */
function eraseLines(mask: Plane, slope: number, rows: readonly [number, number][], columns: readonly [number, number][]): boolean {
  const withoutRows = eraseBands(mask, mask, slope, rows);
  // perpendicular to the lines along: the page is turned as a whole
  const flipped = transpose(mask);
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

/**
 * The ink as vertical runs, column by column: the slope search projects it at every angle
 * tried, and shearing moves a whole column by one number of rows, so a run is counted at its
 * two ends instead of pixel by pixel.
 */
interface ColumnRuns {
  readonly width: number;
  readonly height: number;
  /** column x's runs are first[x] .. first[x + 1] - 1 */
  readonly first: Int32Array;
  /** each run's rows, inclusive */
  readonly top: Int32Array;
  readonly bottom: Int32Array;
}

function columnRuns({ width: w, height: h, data }: Plane): ColumnRuns {
  const first = new Int32Array(w + 1);
  for (let i = 0; i < data.length; i++) if (data[i] && (i < w || !data[i - w])) first[(i % w) + 1]!++;
  for (let x = 0; x < w; x++) first[x + 1]! += first[x]!;
  const next = first.slice(0, w);
  const top = new Int32Array(first[w]!);
  const bottom = new Int32Array(first[w]!);
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      if (!data[i]) continue;
      if (y === 0 || !data[i - w]) top[next[x]!] = y;
      if (y === h - 1 || !data[i + w]) bottom[next[x]!++] = y;
    }
  }
  return { width: w, height: h, first, top, bottom };
}

/**
 * Ink per sheared row (shear(w, t)'s indices). Pixel (x, y) goes to row round(y - x * t): for
 * the integer y that is y + round(-x * t), the same shift for the whole column, unless x * t
 * lies so near a half that the subtraction's own rounding could tip it; such a column is
 * counted pixel by pixel.
 */
function projectRuns(runs: ColumnRuns, t: number): Int32Array {
  const { width: w, height: h, first, top, bottom } = runs;
  const offset = Math.ceil((w - 1) * Math.abs(t));
  // run ends as +1 at its first row and -1 past its last, summed down the rows at the end
  const steps = new Int32Array(h + 2 * offset + 2);
  for (let x = 0; x < w; x++) {
    const [k0, k1] = [first[x]!, first[x + 1]!];
    if (k0 === k1) continue;
    const along = x * t;
    const shift = Math.round(-along);
    if (Math.abs(Math.abs(-along - shift) - 0.5) < HALF_MARGIN) {
      projectPixels(steps, runs, [k0, k1], along, offset);
      continue;
    }
    // `| 0` keeps the index an integer: Math.round gives -0 where x * t is a small positive number
    const base = (shift + offset) | 0;
    for (let k = k0; k < k1; k++) {
      steps[top[k]! + base]!++;
      steps[bottom[k]! + base + 1]!--;
    }
  }
  const counts = new Int32Array(h + 2 * offset + 1);
  for (let r = 0, sum = 0; r < counts.length; r++) counts[r] = sum += steps[r]!;
  return counts;
}

/** Runs k0..k1 - 1 of a column whose shift x * t is near a half, pixel by pixel as the shear rounds them. */
function projectPixels(steps: Int32Array, { top, bottom }: ColumnRuns, [k0, k1]: [number, number], along: number, offset: number): void {
  for (let k = k0; k < k1; k++) {
    for (let y = top[k]!; y <= bottom[k]!; y++) {
      const row = Math.round(y - along) + offset;
      steps[row]!++;
      steps[row + 1]!--;
    }
  }
}

/** how near a half x * t may come before its column is counted pixel by pixel: far wider than y - x * t's rounding error */
const HALF_MARGIN = 1e-6;

function projection(mask: Plane, t: number): Int32Array {
  return projectRuns(columnRuns(mask), t);
}

/** The slope along which some sheared row holds the most ink, and the ink per sheared row along it. */
function estimateSlope(mask: Plane): { slope: number; counts: Int32Array } {
  const runs = columnRuns(mask);
  let best: { slope: number; counts: Int32Array } = { slope: 0, counts: new Int32Array(0) };
  let bestCount = -1;
  for (let deg = -MAX_SLANT; deg <= MAX_SLANT; deg += SLANT_STEP) {
    const t = Math.tan((deg * Math.PI) / 180);
    const counts = projectRuns(runs, t);
    const peak = highest(counts);
    if (peak > bestCount) {
      bestCount = peak;
      best = { slope: t, counts };
    }
  }
  return best;
}

function highest(values: Int32Array): number {
  let top = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i]! > top) top = values[i]!;
  return top;
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

/** Inclusive ranges of sheared row indices that are printed lines; `counts` is the mask's projection(mask, t). */
function lineBands(mask: Plane, counts: Int32Array, t: number, rule: LineRule): [number, number][] {
  // a line between two sheared rows splits its ink over both: judged by pairs of rows
  const pair = (r: number) => counts[r]! + Math.max(counts[r - 1] ?? 0, counts[r + 1] ?? 0);
  const isLine = ([r0, r1]: [number, number]) => r1 - r0 + 1 <= rule.maxBand && longRunInk(mask, t, r0, r1, rule.run, rule.gap) >= rule.ink;
  const bands: [number, number][] = [];
  for (let r = 0; r < counts.length; r++) {
    if (pair(r) < rule.fill) continue;
    let [r0, r1] = [r, r];
    while (r1 + 1 < counts.length && pair(r1 + 1) >= rule.fill) r1++;
    r = r1;
    // the anti-aliased edges of the line, fainter along it
    while (r0 > 0 && counts[r0 - 1]! >= rule.fill / 2) r0--;
    while (r1 + 1 < counts.length && counts[r1 + 1]! >= rule.fill / 2) r1++;
    bands.push(...peakBands(counts, r0, r1, rule.fill).filter(isLine));
  }
  return bands;
}

/**
 * The bands around the peaks of `counts` within rows r0..r1, the highest first: a line's rows
 * hold at least half its peak; a digit's rows beside it hold less. A lower peak whose rows reach
 * a higher one's band is the digits beside that line.
 */
function peakBands(counts: Int32Array, r0: number, r1: number, fill: number): [number, number][] {
  const at = (r: number) => (r >= r0 && r <= r1 ? counts[r]! : 0);
  const peaks: number[] = [];
  for (let r = r0; r <= r1; r++) {
    if (at(r) >= at(r - 1) && at(r) >= at(r + 1) && at(r) + Math.max(at(r - 1), at(r + 1)) >= fill) peaks.push(r);
  }
  peaks.sort((a, b) => counts[b]! - counts[a]!);
  const taken = new Uint8Array(r1 - r0 + 1);
  const bands: [number, number][] = [];
  for (const r of peaks) {
    if (taken[r - r0]) continue;
    let [b0, b1] = [r, r];
    while (b0 > r0 && at(b0 - 1) >= counts[r]! / 2) b0--;
    while (b1 < r1 && at(b1 + 1) >= counts[r]! / 2) b1++;
    const free = taken.subarray(b0 - r0, b1 - r0 + 1).every((v) => v === 0);
    taken.fill(1, b0 - r0, b1 - r0 + 1);
    if (free) bands.push([b0, b1]);
  }
  return bands.sort((a, b) => a[0] - b[0]);
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
      for (let r = r0 - DRIFT; r <= r1 + DRIFT; r++) {
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
