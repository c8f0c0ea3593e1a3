/**
 * One digit of the line -> the model's 28x28 levels, through the very normalisation /predict
 * gives a one-digit picture (mnistPixels). The digit's crop keeps the levels as they are, but
 * for the ink (above the threshold) that is not the digit's own: its neighbours' strokes
 * reaching into the box, printed lines and specks are erased, as keepMainInk erases specks
 * for /predict. The crop has a pixel of margin, which inkCoverage reads around the box.
 */
import type { InkCrop } from '../preprocess/ink.js';
import { mnistPixels } from '../preprocess/normalise.js';
import type { Box } from '../preprocess/plane.js';
import type { LineInk } from './line-ink.js';
import type { DigitInk } from './pieces.js';

export interface DigitPixels {
  /** the tight box around the digit's own ink, in the picture's pixels */
  readonly box: Box;
  /** 28x28 levels 0..255, white ink on black, as mnistPixels gives them */
  readonly pixels: Uint8Array;
}

/** Null when the digit owns no pixel (a cut that left a part empty). */
export function digitPixels(ink: LineInk, labels: Int32Array, thresholds: Uint8Array, digit: DigitInk): DigitPixels | null {
  const { width: w, height: h, data } = ink.levels;
  const owns = (x: number, y: number) => {
    const label = labels[y * w + x]!;
    return digit.pieces.some((p) => p.label === label && x >= p.x0 && x <= p.x1);
  };
  const box = { x0: w, y0: h, x1: -1, y1: -1 };
  // a faint digit is cut at its own region's threshold (ink-regions.ts)
  let threshold = ink.threshold;
  for (let y = digit.box.y0; y <= digit.box.y1; y++) {
    for (let x = digit.box.x0; x <= digit.box.x1; x++) {
      if (!owns(x, y)) continue;
      threshold = Math.min(threshold, thresholds[y * w + x]!);
      box.x0 = Math.min(box.x0, x);
      box.x1 = Math.max(box.x1, x);
      box.y0 = Math.min(box.y0, y);
      box.y1 = Math.max(box.y1, y);
    }
  }
  if (box.x1 < 0) return null;
  const cx0 = Math.max(0, box.x0 - 1);
  const cy0 = Math.max(0, box.y0 - 1);
  const cw = Math.min(w - 1, box.x1 + 1) - cx0 + 1;
  const ch = Math.min(h - 1, box.y1 + 1) - cy0 + 1;
  const crop = new Uint8Array(cw * ch);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const level = data[(y + cy0) * w + x + cx0]!;
      crop[y * cw + x] = level <= threshold || owns(x + cx0, y + cy0) ? level : 0;
    }
  }
  const found: InkCrop = {
    levels: { width: cw, height: ch, data: crop },
    box: { x0: box.x0 - cx0, y0: box.y0 - cy0, x1: box.x1 - cx0, y1: box.y1 - cy0 },
    threshold,
  };
  return { box, pixels: mnistPixels(found) };
}
