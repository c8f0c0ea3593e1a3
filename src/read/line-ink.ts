/**
 * The ink strength of a whole picture, found the way findInk (preprocess/ink.ts) finds it for
 * one digit: alpha when the background is transparent, else polarity, the paper subtracted and
 * Otsu's split raised to the noise floor; null when the ink does not stand out (the same
 * contrast rule). Specks are left in: a line's digits are judged against each other later.
 */
import { flattenOnWhite, hasTransparentBackground } from '../preprocess/alpha.js';
import { subtractBackground } from '../preprocess/background.js';
import { histogram } from '../preprocess/histogram.js';
import { MIN_INK_CONTRAST, NOISE_MULTIPLE, type GreyImage } from '../preprocess/ink.js';
import type { Plane } from '../preprocess/plane.js';
import { splitInk } from '../preprocess/threshold.js';

export interface LineInk {
  /** ink strength, bright on dark, the picture's size */
  readonly levels: Plane;
  /** levels above this are ink */
  readonly threshold: number;
}

export function lineInk(img: GreyImage): LineInk | null {
  const { width, height } = img;
  let levels: Uint8Array;
  let hist: Uint32Array;
  let noise = 0;
  if (img.alpha !== null && hasTransparentBackground(img.alpha, width, height)) {
    levels = img.alpha;
    hist = histogram(levels);
  } else {
    const data = img.alpha ? flattenOnWhite(img.grey, img.alpha) : img.grey;
    const residual = subtractBackground({ width, height, data });
    ({ levels, noise } = residual);
    hist = residual.histogram;
  }
  const split = splitInk(hist, noise);
  if (split.inkMean - split.paperMean < Math.max(MIN_INK_CONTRAST, NOISE_MULTIPLE * noise)) return null;
  return { levels: { width, height, data: levels }, threshold: split.threshold };
}

/** 1 where the ink is, else 0. */
export function inkMask(ink: LineInk): Plane {
  const { levels, threshold } = ink;
  const { width, height, data } = levels;
  const mask = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) mask[i] = data[i]! > threshold ? 1 : 0;
  return { width, height, data: mask };
}
