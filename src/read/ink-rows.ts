/** How many rows of pixels a digit's pieces cover: a speck with a fleck of noise below it spans a digit's height, but covers few rows. */
import type { Box } from '../preprocess/plane.js';

export function inkRows(boxes: readonly Box[]): number {
  const spans = boxes.map((b) => [b.y0, b.y1] as const).sort((a, b) => a[0] - b[0]);
  let [rows, bottom] = [0, -Infinity];
  for (const [top, end] of spans) {
    rows += Math.max(0, end - Math.max(top - 1, bottom));
    bottom = Math.max(bottom, end);
  }
  return rows;
}
