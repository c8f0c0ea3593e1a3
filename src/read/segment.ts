/**
 * A picture of a whole number -> its digits, left to right, each as the model's input.
 * The line's ink is found as for one digit (line-ink.ts), printed lines are erased
 * (printed-lines.ts), the rest is split into connected components, specks dropped and broken
 * pieces put together (group.ts, join.ts), touching digits cut apart (split.ts), and each
 * digit normalised as /predict normalises a one-digit picture (digit-pixels.ts).
 */
import type { Mlp } from '../model/mlp.js';
import { MIN_INK_EXTENT, type GreyImage } from '../preprocess/ink.js';
import type { Box } from '../preprocess/plane.js';
import { pixelsToTensor } from '../preprocess/tensor.js';
import { classifierCuts } from './classifier-cuts.js';
import { labelComponents } from './components.js';
import { digitPixels } from './digit-pixels.js';
import { groupDigits } from './group.js';
import { joinBroken } from './join.js';
import { inkMask, lineInk } from './line-ink.js';
import { height, type DigitInk } from './pieces.js';
import { removePrintedLines } from './printed-lines.js';
import { splitTouching, thinnestCuts } from './split.js';

/** a digit is at least this share of the picture's height tall (a speck on blank paper is not) */
export const MIN_DIGIT_HEIGHT = 0.15;

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
export function segmentDigits(image: GreyImage, mlp?: Mlp): SegmentedDigit[] {
  const ink = lineInk(image);
  if (ink === null) return [];
  const mask = inkMask(ink);
  removePrintedLines(mask);
  const { labels, components } = labelComponents(mask);
  const minHeight = Math.max(MIN_DIGIT_HEIGHT * image.height, MIN_INK_EXTENT * Math.max(image.width, image.height));
  const digits = groupDigits(components).filter((d) => height(d.box) >= minHeight);
  const read = (digit: DigitInk): SegmentedDigit | null => {
    const found = digitPixels(ink, labels, digit);
    return found && { box: found.box, tensor: pixelsToTensor(found.pixels) };
  };
  const tensorOf = (digit: DigitInk) => read(digit)?.tensor ?? null;
  const whole = mlp ? joinBroken(digits, mlp, tensorOf) : digits;
  const chooseCuts = mlp ? classifierCuts(mlp) : thinnestCuts;
  return splitTouching(whole, labels, image.width, chooseCuts, tensorOf).flatMap((digit) => read(digit) ?? []);
}
