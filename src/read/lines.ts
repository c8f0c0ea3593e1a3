/**
 * How many rows of digits a picture holds: digits whose vertical extents overlap, directly or
 * through their neighbours, are one row. A slanted line's first and last digits may not
 * overlap, but each overlaps the next; two numbers one above the other share no rows of pixels.
 */
import type { Box } from '../preprocess/plane.js';

export function countLines(boxes: readonly Box[]): number {
  const spans = boxes.map((b) => [b.y0, b.y1] as const).sort((a, b) => a[0] - b[0]);
  let lines = 0;
  let bottom = -Infinity;
  for (const [top, end] of spans) {
    if (top > bottom) lines++;
    bottom = Math.max(bottom, end);
  }
  return lines;
}
