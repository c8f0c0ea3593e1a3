/**
 * Which side of the paper the ink is on. Paper fills most of a picture, so the median level is
 * the paper; ink adds a long tail on one side only: dark pen on light paper a long dark tail,
 * chalk or light strokes on a dark ground a long light one. Comparing the two tails' lengths
 * (at POLARITY_TAIL of the pixels) decides, and a vignette does not fool it: its corners darken
 * the paper by far less than ink does.
 */
import { histogramTotal, quantile } from './histogram.js';

/** share of the pixels read at each end: the ink of any legible digit covers more than this */
export const POLARITY_TAIL = 0.001;

/** Whether the ink is darker than the paper (the usual pen on paper), from the levels' histogram. */
export function hasLightBackground(hist: Uint32Array): boolean {
  const total = histogramTotal(hist);
  const median = quantile(hist, 0.5, total);
  return median - quantile(hist, POLARITY_TAIL, total) > quantile(hist, 1 - POLARITY_TAIL, total) - median;
}
