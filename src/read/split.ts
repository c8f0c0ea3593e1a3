/**
 * Touching digits: a digit much wider than the line's typical digit is several digits whose
 * strokes meet. Candidate cuts are the thinnest columns near where an even split into n parts
 * would cut, for every n its width allows; each cut follows the gap between the two digits
 * from top to bottom (cutPath), since touching digits lean and overlap and a straight cut
 * leaves a neighbour's stroke in each part. A CutChooser picks among the candidates:
 * thinnestCuts takes the thinnest of each window of the likeliest count, classifierCuts
 * (classifier-cuts.ts) the parts a model of whole digits scores best.
 */
import { height, median, width, type CutPath, type DigitInk, type Piece } from './pieces.js';

/** a digit wider than this many typical widths is split */
export const WIDE = 1.45;
/** and wider than this many heights: a slanted 2 or a round 0 may be wider than tall on its own */
export const SPLIT_ASPECT = 1.15;
/** an average digit's width, in heights: the least a typical width is taken to be */
export const DEFAULT_ASPECT = 0.65;
/** each cut is searched within this share of a part's width either side of the even split */
export const CUT_WINDOW = 0.3;
/** the narrowest part a split may leave, in line heights: the count of parts tried goes up to the width over it */
export const NARROWEST_PART = 0.45;
/** a cut path strays at most this many line heights from its column */
export const CUT_REACH = 0.2;

/** A part of a wide digit: between the cuts at columns `from` and `to + 1` (or its own edges). */
export type PartReader = (from: number, to: number) => DigitInk;

/** Candidate columns for each cut of one way to split a digit, thinnest first. */
export type CutCandidates = readonly (readonly number[])[];

/** How a wide digit may be split: the likeliest count of parts first, then every other count from 2 up. */
export interface SplitWays {
  readonly digit: DigitInk;
  readonly ways: readonly CutCandidates[];
  /** the part between two candidate cuts (or the digit's edges) */
  readonly part: PartReader;
  /** the line's typical digit height */
  readonly lineHeight: number;
  /** the digit is the picture's only one */
  readonly alone: boolean;
}

/** The cuts of one wide digit (column of each cut), none keeping it whole. */
export type CutChooser = (split: SplitWays) => readonly number[];

export const thinnestCuts: CutChooser = ({ ways }) => ways[0]!.map((c) => c[0]!);

export function splitTouching(digits: readonly DigitInk[], labels: Int32Array, pictureWidth: number, choose: CutChooser): DigitInk[] {
  return splitWays(digits, labels, pictureWidth).flatMap((split) =>
    'ways' in split ? cutAt(split.digit, choose(split), split.part) : [split.digit],
  );
}

/** Each digit of the line, with the ways to split it when it is wide enough to be several. */
export function splitWays(digits: readonly DigitInk[], labels: Int32Array, pictureWidth: number): (SplitWays | { digit: DigitInk })[] {
  if (digits.length === 0) return [];
  const heights = digits.map((d) => height(d.box));
  const lineHeight = median(heights);
  const narrow = digits.filter((d) => width(d.box) <= lineHeight);
  // never narrower than an average digit: a line of ones would cut every wider digit
  const typical = Math.max(DEFAULT_ASPECT * lineHeight, narrow.length > digits.length / 2 ? median(narrow.map((d) => width(d.box))) : 0);
  return digits.map((digit) => {
    const w = width(digit.box);
    const parts = Math.round(w / typical);
    if (w < Math.max(WIDE * typical, SPLIT_ASPECT * lineHeight) || parts < 2) return { digit };
    const counts = columnInk(digit, labels, pictureWidth);
    const most = Math.max(parts, Math.round(w / (NARROWEST_PART * lineHeight)));
    const others = Array.from({ length: most - 1 }, (_, i) => i + 2).filter((n) => n !== parts);
    const ways = [parts, ...others].map((n) => cutCandidates(digit, n, counts));
    const paths = new Map<number, CutPath>();
    const reach = Math.round(CUT_REACH * lineHeight);
    const pathAt = (x: number) => {
      if (x <= digit.box.x0 || x > digit.box.x1) return undefined;
      let path = paths.get(x);
      if (!path) paths.set(x, (path = cutPath(digit, labels, pictureWidth, x, reach)));
      return path;
    };
    const part = (from: number, to: number) => columns(digit, from, to, pathAt(from), pathAt(to + 1));
    return { digit, ways, part, lineHeight, alone: digits.length === 1 };
  });
}

/** Ink per column of the digit's box, from its own pieces only. */
function columnInk(digit: DigitInk, labels: Int32Array, pictureWidth: number): Int32Array {
  const { x0, y0, x1, y1 } = digit.box;
  const counts = new Int32Array(x1 - x0 + 1);
  for (const piece of digit.pieces) {
    for (let y = y0; y <= y1; y++) {
      for (let x = piece.x0; x <= piece.x1; x++) if (labels[y * pictureWidth + x] === piece.label) counts[x - x0]!++;
    }
  }
  return counts;
}

function cutCandidates(digit: DigitInk, parts: number, counts: Int32Array): number[][] {
  const w = width(digit.box);
  const step = w / parts;
  return Array.from({ length: parts - 1 }, (_, k) => {
    const centre = (k + 1) * step;
    const from = Math.max(1, Math.round(centre - CUT_WINDOW * step));
    const to = Math.min(w - 2, Math.round(centre + CUT_WINDOW * step));
    const columns = Array.from({ length: to - from + 1 }, (_, i) => from + i);
    // thinnest first, the nearer the even split the better among equals
    columns.sort((a, b) => counts[a]! - counts[b]! || Math.abs(a - centre) - Math.abs(b - centre));
    return columns.map((c) => digit.box.x0 + c);
  });
}

/** The digit cut before each of the columns `cuts`. */
function cutAt(digit: DigitInk, cuts: readonly number[], part: (from: number, to: number) => DigitInk): DigitInk[] {
  const edges = [digit.box.x0, ...[...cuts].sort((a, b) => a - b), digit.box.x1 + 1];
  return edges.slice(0, -1).map((from, k) => part(from, edges[k + 1]! - 1));
}

/** The part of the digit in columns from..to, inclusive, or between the cut paths `left` and `right`. */
function columns(digit: DigitInk, from: number, to: number, left?: CutPath, right?: CutPath): DigitInk {
  const x0 = left ? Math.min(...left.xs) : from;
  const x1 = right ? Math.max(...right.xs) - 1 : to;
  const pieces: Piece[] = digit.pieces
    .map((p) => ({ label: p.label, x0: Math.max(p.x0, x0), x1: Math.min(p.x1, x1), ...(left && { left }), ...(right && { right }) }))
    .filter((p) => p.x0 <= p.x1);
  return { box: { ...digit.box, x0, x1 }, pieces };
}

/**
 * The cut near column `at` that crosses the fewest of the digit's ink pixels, row by row from
 * its top to its bottom, moving at most one column per row and at most `reach` from `at`:
 * touching digits lean and overlap, and a straight cut leaves a neighbour's stroke in each part.
 */
function cutPath(digit: DigitInk, labels: Int32Array, pictureWidth: number, at: number, reach: number): CutPath {
  const { y0, y1 } = digit.box;
  const lo = Math.max(digit.box.x0 + 1, at - reach);
  const hi = Math.min(digit.box.x1, at + reach);
  const span = hi - lo + 1;
  const rows = y1 - y0 + 1;
  const own = new Set(digit.pieces.map((p) => p.label));
  const cost = new Float64Array(span);
  const next = new Float64Array(span);
  const from = new Int8Array(rows * span);
  const inkAt = (x: number, y: number) => (own.has(labels[y * pictureWidth + x]!) ? 1 : 0);
  // a boundary left of column x crosses ink where both x-1 and x are ink
  const crossing = (x: number, y: number) => inkAt(x, y) & inkAt(x - 1, y);
  for (let i = 0; i < span; i++) cost[i] = crossing(lo + i, y0) + (0.01 * Math.abs(lo + i - at)) / Math.max(1, reach);
  for (let r = 1; r < rows; r++) {
    for (let i = 0; i < span; i++) {
      let best = cost[i]!;
      let step = 0;
      if (i > 0 && cost[i - 1]! < best) [best, step] = [cost[i - 1]!, -1];
      if (i + 1 < span && cost[i + 1]! < best) [best, step] = [cost[i + 1]!, 1];
      next[i] = best + crossing(lo + i, y0 + r) + (0.01 * Math.abs(lo + i - at)) / Math.max(1, reach);
      from[r * span + i] = step;
    }
    cost.set(next);
  }
  let i = 0;
  for (let k = 1; k < span; k++) if (cost[k]! < cost[i]!) i = k;
  const xs = new Int32Array(rows);
  for (let r = rows - 1; r >= 0; r--) {
    xs[r] = lo + i;
    i += from[r * span + i]!;
  }
  return { at, y0, xs };
}
