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
 *   side (a single fleck of dust on a sheet).
 * The corpus (bench/corpus) sets the numbers: over 1,300 blank pictures the contrast reaches 26,
 * over 11,000 digits it never falls below 62; see docs/PREPROCESSING.md.
 */
import { flattenOnWhite, hasTransparentBackground } from './alpha.js';
import { subtractBackground, type Residual } from './background.js';
import { keepMainInk } from './components.js';
import { inkCoverage, type Coverage } from './coverage.js';
import { histogram } from './histogram.js';
import type { Box, Plane } from './plane.js';
import { hasLightBackground } from './polarity.js';
import { splitInk } from './threshold.js';

/** levels out of 255 between the ink and the paper means */
export const MIN_INK_CONTRAST = 40;
/** the same contrast, in standard deviations of the paper's noise */
export const NOISE_MULTIPLE = 5;
/** share of the picture's longer side */
export const MIN_INK_EXTENT = 0.04;

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
  let lightBackground = false;
  if (fromAlpha) {
    // a copy: keepMainInk erases specks in place
    const levels = img.alpha!.slice();
    residual = { levels, histogram: histogram(levels), noise: 0 };
  } else {
    const paper = { width, height, data: img.alpha ? flattenOnWhite(img.grey, img.alpha) : img.grey };
    lightBackground = hasLightBackground(histogram(paper.data));
    residual = subtractBackground(paper, lightBackground);
  }
  const split = splitInk(residual.histogram, residual.noise);
  const evidence = { contrast: split.inkMean - split.paperMean, noise: residual.noise };
  const levels = { width, height, data: residual.levels };
  const verdict = { levels, threshold: split.threshold, fromAlpha, lightBackground, evidence };
  if (evidence.contrast < Math.max(MIN_INK_CONTRAST, NOISE_MULTIPLE * evidence.noise)) return { ...verdict, box: null };
  const box = keepMainInk(levels, split.threshold);
  if (box === null || Math.max(box.x1 - box.x0, box.y1 - box.y0) + 1 < MIN_INK_EXTENT * Math.max(width, height)) {
    return { ...verdict, box: null };
  }
  return { ...verdict, box };
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
