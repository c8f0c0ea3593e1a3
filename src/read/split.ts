/**
 * Touching digits: a digit much wider than the line's typical digit is several digits whose
 * strokes meet. It is cut into as many as its width holds, each cut at the column where the
 * shared component is thinnest near where an even split would put it (the touching point is
 * usually a single stroke crossing). A CutChooser picks among the candidate columns:
 * thinnestCuts takes the thinnest of each window, classifierCuts (classifier-cuts.ts) the one
 * whose parts the model reads most confidently.
 */
import { height, median, width, type DigitInk, type Piece } from './pieces.js';

/** a digit wider than this many typical widths is split */
export const WIDE = 1.45;
/** and wider than this many heights: a slanted 2 or a round 0 may be wider than tall on its own */
export const SPLIT_ASPECT = 1.15;
/** an average digit's width, in heights: the least a typical width is taken to be */
export const DEFAULT_ASPECT = 0.65;
/** each cut is searched within this share of a part's width either side of the even split */
export const CUT_WINDOW = 0.3;

/** The model's input for the part of a digit between two columns (inclusive); null when the part holds no ink. */
export type PartReader = (from: number, to: number) => Float32Array | null;

/** Candidate columns for each cut of one way to split a digit, thinnest first. */
export type CutCandidates = readonly (readonly number[])[];

/**
 * The cuts of one wide digit, chosen among ways to split it (the likeliest number of parts
 * first, then one more, then one fewer: the width guesses the count, the model settles it):
 * none keeps it whole.
 */
export type CutChooser = (digit: DigitInk, ways: readonly CutCandidates[], read: PartReader, alone: boolean) => readonly number[];

export const thinnestCuts: CutChooser = (_digit, ways) => ways[0]!.map((c) => c[0]!);

/** `tensorOf` turns a digit into the model's input (null when it holds no ink), for the chooser to read parts with. */
export function splitTouching(
  digits: readonly DigitInk[],
  labels: Int32Array,
  pictureWidth: number,
  choose: CutChooser,
  tensorOf: (digit: DigitInk) => Float32Array | null,
): DigitInk[] {
  if (digits.length === 0) return [];
  const heights = digits.map((d) => height(d.box));
  const narrow = digits.filter((d) => width(d.box) <= median(heights));
  // never narrower than an average digit: a line of ones would cut every wider digit
  const typical = Math.max(
    DEFAULT_ASPECT * median(heights),
    narrow.length > digits.length / 2 ? median(narrow.map((d) => width(d.box))) : 0,
  );
  return digits.flatMap((digit) => {
    const parts = Math.round(width(digit.box) / typical);
    if (width(digit.box) < Math.max(WIDE * typical, SPLIT_ASPECT * median(heights)) || parts < 2) return [digit];
    const counts = columnInk(digit, labels, pictureWidth);
    const ways = [parts, parts + 1, parts - 1].filter((n) => n >= 2).map((n) => cutCandidates(digit, n, counts));
    return cutAt(
      digit,
      choose(digit, ways, (from, to) => tensorOf(columns(digit, from, to)), digits.length === 1),
    );
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
function cutAt(digit: DigitInk, cuts: readonly number[]): DigitInk[] {
  const edges = [digit.box.x0, ...[...cuts].sort((a, b) => a - b), digit.box.x1 + 1];
  return edges.slice(0, -1).map((from, k) => columns(digit, from, edges[k + 1]! - 1));
}

/** The part of the digit in columns from..to, inclusive. */
function columns(digit: DigitInk, from: number, to: number): DigitInk {
  const pieces: Piece[] = digit.pieces
    .map((p) => ({ label: p.label, x0: Math.max(p.x0, from), x1: Math.min(p.x1, to) }))
    .filter((p) => p.x0 <= p.x1);
  return { box: { ...digit.box, x0: from, x1: to }, pieces };
}
