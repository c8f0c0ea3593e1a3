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
import { cutColumn, type DigitInk } from './pieces.js';

export interface DigitPixels {
  /** the tight box around the digit's own ink, in the picture's pixels */
  readonly box: Box;
  /** 28x28 levels 0..255, white ink on black, as mnistPixels gives them */
  readonly pixels: Uint8Array;
}

/** Null when the digit owns no pixel (a cut that left a part empty). */
export function digitPixels(ink: LineInk, labels: Int32Array, thresholds: Uint8Array, digit: DigitInk): DigitPixels | null {
  const { width: w, height: h, data } = ink.levels;
  // the digit's box and the crop's margin around it: nothing outside is ever asked about
  const area = {
    x0: Math.max(0, digit.box.x0 - 1),
    y0: Math.max(0, digit.box.y0 - 1),
    x1: Math.min(w - 1, digit.box.x1 + 1),
    y1: Math.min(h - 1, digit.box.y1 + 1),
  };
  const { owned, box, threshold } = ownInk(ink, labels, thresholds, digit, area);
  if (box.x1 < 0) return null;
  const aw = area.x1 - area.x0 + 1;
  const cx0 = Math.max(0, box.x0 - 1);
  const cy0 = Math.max(0, box.y0 - 1);
  const cw = Math.min(w - 1, box.x1 + 1) - cx0 + 1;
  const ch = Math.min(h - 1, box.y1 + 1) - cy0 + 1;
  const crop = new Uint8Array(cw * ch);
  for (let y = 0; y < ch; y++) {
    const from = (y + cy0) * w + cx0;
    const ownFrom = (y + cy0 - area.y0) * aw + cx0 - area.x0;
    for (let x = 0; x < cw; x++) {
      const level = data[from + x]!;
      crop[y * cw + x] = level <= threshold || owned[ownFrom + x] ? level : 0;
    }
  }
  const found: InkCrop = {
    levels: { width: cw, height: ch, data: crop },
    box: { x0: box.x0 - cx0, y0: box.y0 - cy0, x1: box.x1 - cx0, y1: box.y1 - cy0 },
    threshold,
  };
  return { box, pixels: mnistPixels(found) };
}

/**
 * The digit's own pixels over `area` (1 where it owns the pixel, row-major from the area's
 * corner): those of its pieces' components within each piece's columns, marked piece by piece
 * rather than matching each pixel against every piece. With the tight box around those in the
 * digit's box (x1 < 0 when there are none) and the lowest threshold among them: a faint digit
 * is cut at its own region's threshold (ink-regions.ts).
 */
function ownInk(ink: LineInk, labels: Int32Array, thresholds: Uint8Array, digit: DigitInk, area: Box) {
  const { width: w, height: h } = ink.levels;
  const inside = digit.box;
  const aw = area.x1 - area.x0 + 1;
  const owned = new Uint8Array(aw * (area.y1 - area.y0 + 1));
  const box = { x0: w, y0: h, x1: -1, y1: -1 };
  let threshold = ink.threshold;
  for (const p of digit.pieces) {
    const [from, to] = [Math.max(p.x0, area.x0), Math.min(p.x1, area.x1)];
    for (let y = area.y0; y <= area.y1; y++) {
      const row = y * w;
      const out = (y - area.y0) * aw - area.x0;
      const first = p.left ? Math.max(from, cutColumn(p.left, y)) : from;
      const last = p.right ? Math.min(to, cutColumn(p.right, y) - 1) : to;
      for (let x = first; x <= last; x++) {
        if (labels[row + x] !== p.label) continue;
        owned[out + x] = 1;
        if (y < inside.y0 || y > inside.y1 || x < inside.x0 || x > inside.x1) continue;
        threshold = Math.min(threshold, thresholds[row + x]!);
        box.x0 = Math.min(box.x0, x);
        box.x1 = Math.max(box.x1, x);
        box.y0 = Math.min(box.y0, y);
        box.y1 = Math.max(box.y1, y);
      }
    }
  }
  return { owned, box, threshold };
}
