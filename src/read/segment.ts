/**
 * A picture of a whole number -> its digits, left to right, each as the model's input.
 * The line's ink is found as for one digit (line-ink.ts), printed lines are erased
 * (printed-lines.ts), the rest is split into connected components, specks dropped and broken
 * pieces put together (group.ts, join.ts), touching digits cut apart (split.ts), and each
 * digit normalised as /predict normalises a one-digit picture (digit-pixels.ts).
 */
import type { Mlp } from '../model/mlp.js';
import { MIN_INK_EXTENT, type GreyImage } from '../preprocess/ink.js';
import type { Box, Plane } from '../preprocess/plane.js';
import { pixelsToTensor } from '../preprocess/tensor.js';
import { classifierCuts } from './classifier-cuts.js';
import { labelComponents } from './components.js';
import { digitPixels } from './digit-pixels.js';
import { groupDigits, PIECE_HEIGHT } from './group.js';
import { joinBroken } from './join.js';
import { countLines } from './lines.js';
import { inkRegions, uniform } from './ink-regions.js';
import { inkMask, lineInk, type LineInk } from './line-ink.js';
import { height, median, type DigitInk } from './pieces.js';
import { removePrintedLines } from './printed-lines.js';
import { splitTouching, thinnestCuts } from './split.js';

/** a digit is at least this share of the picture's height tall (a speck on blank paper is not) */
export const MIN_DIGIT_HEIGHT = 0.15;

/** What segmentLine found in a picture. */
export interface Segmentation {
  /** left to right */
  readonly digits: SegmentedDigit[];
  /** rows of digits one above the other: /read reads one line, and refuses a picture with more */
  readonly lines: number;
}

export interface SegmentedDigit {
  /** the tight box around the digit's ink, in the picture's pixels */
  readonly box: Box;
  /** the model's input: 784 values in 0..1, white ink on black, row-major 28x28 */
  readonly tensor: Float32Array;
}

/**
 * With the model, the pieces of broken digits are joined (join.ts) and touching digits cut
 * (split.ts) as the model reads them best; without, by their shapes alone.
 */
export function segmentLine(image: GreyImage, mlp?: Mlp): Segmentation {
  const ink = lineInk(image);
  if (ink === null) return { digits: [], lines: 0 };
  const { labels, thresholds, digits, lines } = digitShapes(ink);
  const read = (digit: DigitInk): SegmentedDigit | null => {
    const found = digitPixels(ink, labels, thresholds, digit);
    return found && { box: found.box, tensor: pixelsToTensor(found.pixels) };
  };
  const tensorOf = (digit: DigitInk) => read(digit)?.tensor ?? null;
  const whole = mlp ? joinBroken(digits, mlp, tensorOf) : digits;
  const chooseCuts = mlp ? classifierCuts(mlp) : thinnestCuts;
  const found = splitTouching(whole, labels, image.width, chooseCuts, tensorOf).flatMap((digit) => read(digit) ?? []);
  return { digits: found, lines: found.length > 0 ? lines : 0 };
}

/** The line's digits as ink: printed lines erased, components labelled, grouped, specks and short marks dropped. */
function digitShapes(ink: LineInk): { labels: Int32Array; thresholds: Uint8Array; digits: DigitInk[]; lines: number } {
  const { width, height: h } = ink.levels;
  const { mask, thresholds } = inkOffLines(ink);
  const { labels, components } = labelComponents(mask);
  const minHeight = Math.max(MIN_DIGIT_HEIGHT * h, MIN_INK_EXTENT * Math.max(width, h));
  const digits = groupDigits(components).filter((d) => height(d.box) >= minHeight);
  // rows are counted on the components: grouping puts a digit above another into one
  const typical = median(digits.map((d) => height(d.box)));
  const tall = components.filter((c) => height(c) >= Math.max(minHeight, PIECE_HEIGHT * typical));
  return { labels, thresholds, digits, lines: countLines(tall) };
}

/**
 * The ink mask with printed lines erased. Faint regions (ink-regions.ts) only come in on a page
 * without printed lines, even faint ones: pieces of a faint ruling or grid would come in with them.
 */
function inkOffLines(ink: LineInk): { mask: Plane; thresholds: Uint8Array } {
  const mask = inkMask(ink);
  const flat = { mask, thresholds: uniform(ink) };
  if (removePrintedLines(mask)) return flat;
  const regions = inkRegions(ink);
  return regions === null || removePrintedLines(regions.floor) ? flat : regions;
}
