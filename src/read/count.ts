/**
 * How many digits a picture /predict reads as one seems to hold: its `digitsFound`, so a
 * client sending a number there gets a sign. It must cost next to nothing beside the one-digit
 * pipeline, so it reads only the column profile of the ink findInk kept (specks already
 * erased): runs of columns with ink, split by empty columns, are digits apart, and a broken
 * digit's pieces sharing columns are one. A short run close beside a digit, the two together
 * no wider than a digit, is a piece of it (a 5's bar drawn off to the side); a run much
 * shorter than the tallest is a mark (a dash, a dot), not a digit; a run much wider than it is
 * tall is digits that touch, about one per DIGIT_ASPECT of its height, unless it is a solid
 * bar (a dash: its columns are ink from top to bottom). A run that is mostly a printed
 * frame's lines (an empty row of form boxes) holds no digit. /read segments properly
 * (segment.ts) and may count otherwise.
 */
import type { InkCrop } from '../preprocess/ink.js';

/** a run of ink columns less tall than this share of the tallest run is a mark, not a digit */
export const MARK_HEIGHT = 0.4;
/** width of a digit, in its heights, when touching digits share one run: wide enough that a round 0 or a sprawling 5 is one */
export const DIGIT_ASPECT = 1;
/** a run whose columns hold ink over more than this share of its height, on average, is a bar, not digits */
export const BAR_FILL = 0.5;
/**
 * a run at least FRAME_COLUMNS of whose columns hold ink along its top and its bottom edges
 * (within FRAME_EDGE of its height) and nothing between is a printed frame: a row of form
 * boxes with nothing, or about one box's worth, written in it. No digit: its count would be
 * the boxes' width over their height, a warning of several digits on an empty form
 */
export const FRAME_COLUMNS = 0.8;
export const FRAME_EDGE = 0.15;
/** a run less tall than this share of its neighbour may be a piece of it */
export const PIECE_HEIGHT = 0.7;
/** and joins it across a gap of at most this share of the tallest run */
export const PIECE_GAP = 0.15;

interface Run {
  x0: number;
  x1: number;
  top: number;
  bottom: number;
  /** ink pixels */
  ink: number;
}

const height = (r: Run) => r.bottom - r.top + 1;

export function countDigits(found: InkCrop): number {
  if (found.box === null) return 0;
  const runs = inkRuns(found);
  const tallest = Math.max(...runs.map(height));
  const joined: Run[] = [];
  for (const run of runs) {
    const last = joined[joined.length - 1];
    if (last && isPieceOf(last, run, tallest)) {
      joined[joined.length - 1] = {
        x0: last.x0,
        x1: run.x1,
        top: Math.min(last.top, run.top),
        bottom: Math.max(last.bottom, run.bottom),
        ink: last.ink + run.ink,
      };
    } else {
      joined.push(run);
    }
  }
  return joined.filter((r) => height(r) >= MARK_HEIGHT * tallest && !isFrame(found, r)).reduce((sum, r) => sum + digitsIn(r), 0);
}

/** Whether the run is a printed frame (see FRAME_COLUMNS). */
function isFrame({ levels, threshold }: InkCrop, run: Run): boolean {
  const { width, data } = levels;
  const edge = Math.max(1, Math.round(FRAME_EDGE * height(run)));
  const inked = (x: number, from: number, to: number) => {
    for (let y = from; y <= to; y++) if (data[y * width + x]! > threshold) return true;
    return false;
  };
  let hollow = 0;
  for (let x = run.x0; x <= run.x1; x++) {
    const edges = inked(x, run.top, run.top + edge - 1) && inked(x, run.bottom - edge + 1, run.bottom);
    if (edges && !inked(x, run.top + edge, run.bottom - edge)) hollow++;
  }
  return hollow >= FRAME_COLUMNS * (run.x1 - run.x0 + 1);
}

/**
 * Digits side by side in one run: about one per DIGIT_ASPECT of its height, when its columns
 * cross strokes; a run whose columns are mostly ink from top to bottom is one bar (a dash), however long.
 */
function digitsIn(run: Run): number {
  const columns = run.x1 - run.x0 + 1;
  if (run.ink / columns > BAR_FILL * height(run)) return 1;
  return Math.max(1, Math.round(columns / (DIGIT_ASPECT * height(run))));
}

function isPieceOf(a: Run, b: Run, tallest: number): boolean {
  const together = { x0: a.x0, x1: b.x1, top: Math.min(a.top, b.top), bottom: Math.max(a.bottom, b.bottom), ink: a.ink + b.ink };
  return (
    Math.min(height(a), height(b)) < PIECE_HEIGHT * Math.max(height(a), height(b)) &&
    b.x0 - a.x1 - 1 <= PIECE_GAP * tallest &&
    together.x1 - together.x0 + 1 <= DIGIT_ASPECT * height(together)
  );
}

/** Runs of columns holding ink (above the threshold) in the found box, left to right, each with the rows its ink spans. */
function inkRuns({ levels, box, threshold }: InkCrop): Run[] {
  const { width, data } = levels;
  const runs: Run[] = [];
  let open = false;
  for (let x = box!.x0; x <= box!.x1; x++) {
    let top = -1;
    let bottom = -1;
    let ink = 0;
    for (let y = box!.y0; y <= box!.y1; y++) {
      if (data[y * width + x]! <= threshold) continue;
      if (top < 0) top = y;
      bottom = y;
      ink++;
    }
    if (top < 0) {
      open = false;
    } else if (open) {
      const run = runs[runs.length - 1]!;
      run.x1 = x;
      run.top = Math.min(run.top, top);
      run.bottom = Math.max(run.bottom, bottom);
      run.ink += ink;
    } else {
      runs.push({ x0: x, x1: x, top, bottom, ink });
      open = true;
    }
  }
  return runs;
}
