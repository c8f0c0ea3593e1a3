/**
 * A picture of a whole number -> its digits, left to right, each as the model's input.
 * The line's ink is found as for one digit (line-ink.ts), printed lines are erased
 * (printed-lines.ts), the rest is split into connected components, specks dropped and broken
 * pieces put together (group.ts, join.ts), touching digits cut apart (split.ts), and each
 * digit normalised as /predict normalises a one-digit picture (digit-pixels.ts).
 */
import { MIN_INK_EXTENT, type GreyImage } from '../preprocess/ink.js';
import type { Box, Plane } from '../preprocess/plane.js';
import { pixelsToTensor } from '../preprocess/tensor.js';
import { classifierCuts, type ReadModels } from './classifier-cuts.js';
import { labelComponents } from './components.js';
import { digitPixels } from './digit-pixels.js';
import { groupDigits, PIECE_HEIGHT } from './group.js';
import { joinBroken } from './join.js';
import { countLines } from './lines.js';
import { inkRegions, uniform } from './ink-regions.js';
import { inkMask, lineInk, type LineInk } from './line-ink.js';
import { clearWhere, lowInk } from './low-ink.js';
import { inkRows } from './ink-rows.js';
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
 * With the models, the pieces of broken digits are joined as the digit model reads them best
 * (join.ts) and touching digits cut into the parts the parts model scores as whole digits
 * (classifier-cuts.ts); without, by their shapes alone.
 */
export function segmentLine(image: GreyImage, models?: ReadModels): Segmentation {
  const ink = lineInk(image);
  if (ink === null) return { digits: [], lines: 0 };
  const { labels, thresholds, digits, lines } = digitShapes(ink);
  const read = digitReader(ink, labels, thresholds);
  const tensorOf = (digit: DigitInk) => read(digit)?.tensor ?? null;
  const whole = models ? joinBroken(digits, models.digits, tensorOf) : digits;
  const chooseCuts = models ? classifierCuts(models, tensorOf) : thinnestCuts;
  const found = splitTouching(whole, labels, image.width, chooseCuts).flatMap((digit) => read(digit) ?? []);
  return { digits: found, lines: found.length > 0 ? lines : 0 };
}

/**
 * Each digit's box and model input, read once: a digit's reading depends on nothing but its box
 * and pieces, and joining, cutting and the final read meet the same digits (and the same parts
 * of a wide one) again and again.
 */
export function digitReader(ink: LineInk, labels: Int32Array, thresholds: Uint8Array): (digit: DigitInk) => SegmentedDigit | null {
  const known = new Map<string, SegmentedDigit | null>();
  return (digit) => {
    const key = [
      digit.box.x0,
      digit.box.y0,
      digit.box.x1,
      digit.box.y1,
      ...digit.pieces.flatMap((p) => [p.label, p.x0, p.x1, p.left?.at ?? -1, p.right?.at ?? -1]),
    ].join(',');
    const seen = known.get(key);
    if (seen !== undefined) return seen;
    const found = digitPixels(ink, labels, thresholds, digit);
    const reading = found && { box: found.box, tensor: pixelsToTensor(found.pixels) };
    known.set(key, reading);
    return reading;
  };
}

/** The line's digits as ink: printed lines erased, components labelled, grouped, specks and short marks dropped. */
export function digitShapes(ink: LineInk): { labels: Int32Array; thresholds: Uint8Array; digits: DigitInk[]; lines: number } {
  const { width, height: h } = ink.levels;
  const minHeight = Math.max(MIN_DIGIT_HEIGHT * h, MIN_INK_EXTENT * Math.max(width, h));
  const { mask, thresholds } = inkOffLines(ink, minHeight);
  const { labels, components } = labelComponents(mask);
  // a digit's own pieces stand as tall as a digit: a speck and a fleck of noise below it do not
  const rows = (d: DigitInk) => inkRows(d.pieces.map((p) => components[p.label - 1]!));
  const digits = groupDigits(components).filter((d) => height(d.box) >= minHeight && rows(d) >= minHeight);
  // rows are counted on the components, measured against each other: grouping puts a digit
  // above another into one, twice as tall as a digit
  const standing = components.filter((c) => height(c) >= minHeight);
  const typical = standing.length ? median(standing.map(height)) : 0;
  const tall = standing.filter((c) => height(c) >= PIECE_HEIGHT * typical);
  // one digit is one line, whatever its pieces: a 5's loose bar above its body is not a row
  return { labels, thresholds, digits, lines: digits.length > 1 ? countLines(tall) : 1 };
}

/**
 * The ink mask with printed lines and shading erased (low-ink.ts). Faint regions (ink-regions.ts)
 * only come in on a page without printed lines, even faint ones (pieces of a faint ruling or
 * grid would come in with them), and beside ink of the usual strength as tall as a digit: on
 * blank paper they are the paper's noise.
 */
function inkOffLines(ink: LineInk, minHeight: number): { mask: Plane; thresholds: Uint8Array } {
  const low = lowInk(ink);
  const mask = clearWhere(inkMask(ink), low.shading);
  const flat = { mask, thresholds: uniform(ink) };
  if (removePrintedLines(mask, low.mask, low.extent) || low.tallestStrong < minHeight) return flat;
  const regions = inkRegions(ink, low.regions);
  // measured against the whole floor's extent, dashed faint rulings bridge longer gaps
  if (regions === null || removePrintedLines(regions.floor)) return flat;
  return { mask: clearWhere(regions.mask, low.shading), thresholds: regions.thresholds };
}
