/**
 * Find the ink of a decoded picture, and decide whether there is a digit at all.
 *
 * A transparent background gives the ink directly (alpha.ts). Otherwise the side the ink is on
 * is read from the levels (polarity.ts), the paper's lighting is estimated and subtracted
 * (background.ts), Otsu's split separates ink from paper (threshold.ts), specks are erased
 * (components.ts) and the crop is binarised as MNIST's digits were (coverage.ts).
 *
 * "No digit" (a blank canvas, plain paper, a photo of blank paper under uneven light) is any of:
 * - the ink does not stand out: the mean levels of the two sides of the ink/paper split differ
 *   by less than MIN_INK_CONTRAST, or by less than NOISE_MULTIPLE times the paper's own noise
 *   (on blank paper the split can only cut the noise's tail, which lies 3 to 4 sigmas above
 *   the rest);
 * - what is left after erasing specks spans less than MIN_INK_EXTENT of the picture's longer
 *   side (a single fleck of dust on a sheet);
 * - what is left is one compact blot, not strokes: it spans less than DOT_EXTENT times its own
 *   stroke width (a tap on the pad, a blot of ink). A disc spans about 2.5 of its stroke
 *   widths by this measure; no digit of MNIST's test set spans fewer than 3.3.
 * The corpus (bench/corpus) sets the numbers: over 1,300 blank pictures the contrast reaches 26,
 * over 11,000 digits it never falls below 62; see docs/PREPROCESSING.md.
 */
import { flattenOnWhite, hasTransparentBackground } from './alpha.js';
import { subtractBackground, type Residual } from './background.js';
import { keepMainInk } from './components.js';
import { inkCoverage, type Coverage } from './coverage.js';
import { histogram } from './histogram.js';
import type { Box, Plane } from './plane.js';
import { levelsStrokeWidth } from './stroke.js';
import { splitInk } from './threshold.js';
import { slabCopyU8 } from '../slab.js';

/** levels out of 255 between the ink and the paper means */
export const MIN_INK_CONTRAST = 40;
/** the same contrast, in standard deviations of the paper's noise */
export const NOISE_MULTIPLE = 5;
/** share of the picture's longer side */
export const MIN_INK_EXTENT = 0.04;
/** the ink's longer side, in its stroke widths, under which it is a dot */
export const DOT_EXTENT = 3;

/**
 * Why a picture holds no digit: nothing stands out from the paper (`blank`), what stands out
 * is the paper's own texture (`noise`), only specks (`speck`), one blot (`dot`).
 */
export type NoDigitReason = 'blank' | 'noise' | 'speck' | 'dot';

/** A decoded picture: grey levels and, when the file has one, its alpha channel. */
export interface GreyImage {
  readonly width: number;
  readonly height: number;
  readonly grey: Uint8Array;
  readonly alpha: Uint8Array | null;
}

export interface InkFound {
  /** ink strength, bright on dark, specks erased (the picture's size); see croppedInk for the crop */
  readonly levels: Plane;
  /** the box around the ink in `levels`; null exactly when there is no digit */
  readonly box: Box | null;
  /** the ink/paper split of `levels` (threshold.ts) */
  readonly threshold: number;
  /** the ink came from a transparent background's alpha channel */
  readonly fromAlpha: boolean;
  /** the paper is lighter than the ink (false when the ink came from alpha) */
  readonly lightBackground: boolean;
  readonly evidence: InkEvidence;
  /** why there is no digit; absent when there is one */
  readonly why?: NoDigitReason;
}

/** What the no-digit verdict was based on, in levels out of 255. */
export interface InkEvidence {
  /** difference of the mean ink and paper levels either side of the split (threshold.ts) */
  readonly contrast: number;
  /** the paper's noise (standard deviation); 0 for a transparent background */
  readonly noise: number;
}

export function findInk(img: GreyImage): InkFound {
  const { width, height } = img;
  const fromAlpha = img.alpha !== null && hasTransparentBackground(img.alpha, width, height);
  let residual: Residual;
  if (fromAlpha) {
    // a copy: keepMainInk erases specks in place; the alpha is bright ink, on no paper
    const levels = slabCopyU8(img.alpha!);
    residual = { levels, histogram: histogram(levels), noise: 0, darkInk: false };
  } else {
    residual = subtractBackground({ width, height, data: img.alpha ? flattenOnWhite(img.grey, img.alpha) : img.grey });
  }
  const split = splitInk(residual.histogram, residual.noise);
  const evidence = { contrast: split.inkMean - split.paperMean, noise: residual.noise };
  const levels = { width, height, data: residual.levels };
  const verdict = { levels, threshold: split.threshold, fromAlpha, lightBackground: residual.darkInk, evidence };
  const bar = NOISE_MULTIPLE * evidence.noise;
  if (evidence.contrast < Math.max(MIN_INK_CONTRAST, bar)) {
    // when the paper's own noise sets the bar, the picture is not blank: it is all grain
    return { ...verdict, box: null, why: bar > MIN_INK_CONTRAST ? 'noise' : 'blank' };
  }
  const box = keepMainInk(levels, split.threshold);
  if (box === null || Math.max(box.x1 - box.x0, box.y1 - box.y0) + 1 < MIN_INK_EXTENT * Math.max(width, height)) {
    return { ...verdict, box: null, why: 'speck' };
  }
  if (isDot(levels, box, split.threshold)) return { ...verdict, box: null, why: 'dot' };
  return { ...verdict, box };
}

/** The ink in `box` spans fewer than DOT_EXTENT of its stroke widths (2 area / perimeter, as stroke.ts measures them). */
function isDot(levels: Plane, box: Box, threshold: number): boolean {
  return Math.max(box.x1 - box.x0, box.y1 - box.y0) + 1 < DOT_EXTENT * levelsStrokeWidth(levels, box, threshold);
}

/** What the crop and the normalisation read of found ink (a line's digit supplies just this). */
export type InkCrop = Pick<InkFound, 'levels' | 'box' | 'threshold'>;

/**
 * The found ink's crop, binarised (coverage.ts): computed only for the `mnist` pipeline, the
 * verdict alone decides `plain`. Null when there is no digit.
 */
export function croppedInk(found: InkCrop): Coverage | null {
  if (found.box === null) return null;
  const covered = inkCoverage(found.levels, found.box, found.threshold);
  // a lone faint pixel can fall between the finer grid's samples; read at its own size, it
  // is there (the box is never empty), so a digit found is always a digit drawn
  return covered.box ? covered : inkCoverage(found.levels, found.box, found.threshold, 1);
}
