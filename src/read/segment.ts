/**
 * A picture of a whole number -> its digits, left to right, each as the model's input.
 * The line's ink is found as for one digit (line-ink.ts), printed lines are erased
 * (printed-lines.ts), the rest is split into connected components, specks dropped and broken
 * pieces put together (group.ts, join.ts), touching digits cut apart (split.ts), and each
 * digit normalised as /predict normalises a one-digit picture (digit-pixels.ts).
 */
import type { Mlp } from '../model/mlp.js';
import { MIN_INK_EXTENT, type GreyImage, type InkCrop } from '../preprocess/ink.js';
import type { Box } from '../preprocess/plane.js';
import { pixelsToTensor } from '../preprocess/tensor.js';
import { classifierCuts } from './classifier-cuts.js';
import { labelComponents } from './components.js';
import { digitPixels } from './digit-pixels.js';
import { groupDigits } from './group.js';
import { joinBroken } from './join.js';
import { inkMask, lineInk, type LineInk } from './line-ink.js';
import { height, type DigitInk } from './pieces.js';
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
  const { labels, digits } = digitShapes(ink);
  const read = (digit: DigitInk): SegmentedDigit | null => {
    const found = digitPixels(ink, labels, digit);
    return found && { box: found.box, tensor: pixelsToTensor(found.pixels) };
  };
  const tensorOf = (digit: DigitInk) => read(digit)?.tensor ?? null;
  const whole = mlp ? joinBroken(digits, mlp, tensorOf) : digits;
  const chooseCuts = mlp ? classifierCuts(mlp) : thinnestCuts;
  const found = splitTouching(whole, labels, image.width, chooseCuts, tensorOf).flatMap((digit) => read(digit) ?? []);
  return { digits: found, lines: found.length > 0 ? 1 : 0 };
}

/**
 * How many digits the ink /predict found holds, by their shapes alone (no model, no
 * normalisation): /predict's `digitsFound`, cheap enough for every request.
 */
export function countDigits(found: InkCrop): number {
  if (found.box === null) return 0;
  const { labels, digits } = digitShapes(found);
  return splitTouching(digits, labels, found.levels.width, thinnestCuts, () => null).length;
}

/** The line's digits as ink: printed lines erased, components labelled, grouped, specks and short marks dropped. */
function digitShapes(ink: LineInk): { labels: Int32Array; digits: DigitInk[] } {
  const { width, height: h } = ink.levels;
  const mask = inkMask(ink);
  removePrintedLines(mask);
  const { labels, components } = labelComponents(mask);
  const minHeight = Math.max(MIN_DIGIT_HEIGHT * h, MIN_INK_EXTENT * Math.max(width, h));
  return { labels, digits: groupDigits(components).filter((d) => height(d.box) >= minHeight) };
}
