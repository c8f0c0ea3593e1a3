/**
 * Crop to the ink, robust to specks. The ink (levels above the threshold) is split into
 * 8-connected components; a component much smaller than the largest (a speck of dust, a fleck
 * of paper texture, a JPEG block that crossed the threshold) is erased, so it cannot stretch
 * the crop box and shrink the digit. Parts of a digit that a thin stroke left apart (the bar of
 * a 5, a broken loop) are far larger than a speck and stay. One flood fill per component,
 * O(pixels).
 */
import type { Box, Plane } from './plane.js';

/** a component with fewer pixels than this share of the largest one is a speck */
export const SPECK_FRACTION = 0.05;

interface Component {
  size: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Erases (sets to 0) the specks among the pixels of `levels` above `threshold`, in place;
 * returns the box around the ink that is left, or null when there is none.
 */
export function keepMainInk(levels: Plane, threshold: number): Box | null {
  const { width: w, height: h, data } = levels;
  const labels = new Int32Array(w * h);
  const stack = new Int32Array(w * h);
  const parts: Component[] = [];
  for (let start = 0; start < data.length; start++) {
    if (data[start]! <= threshold || labels[start] !== 0) continue;
    const part: Component = { size: 0, x0: w, y0: h, x1: -1, y1: -1 };
    parts.push(part);
    const label = parts.length;
    labels[start] = label;
    let top = 0;
    stack[top++] = start;
    while (top > 0) {
      const p = stack[--top]!;
      const x = p % w;
      const y = (p - x) / w;
      part.size++;
      if (x < part.x0) part.x0 = x;
      if (x > part.x1) part.x1 = x;
      if (y < part.y0) part.y0 = y;
      if (y > part.y1) part.y1 = y;
      const xa = x > 0 ? x - 1 : x;
      const xb = x < w - 1 ? x + 1 : x;
      const ya = y > 0 ? y - 1 : y;
      const yb = y < h - 1 ? y + 1 : y;
      for (let ny = ya; ny <= yb; ny++) {
        for (let q = ny * w + xa, end = ny * w + xb; q <= end; q++) {
          if (labels[q] === 0 && data[q]! > threshold) {
            labels[q] = label;
            stack[top++] = q;
          }
        }
      }
    }
  }
  if (parts.length === 0) return null;
  const largest = parts.reduce((m, c) => Math.max(m, c.size), 0);
  const kept = parts.map((c) => c.size >= SPECK_FRACTION * largest);
  for (let p = 0; p < data.length; p++) {
    if (labels[p] !== 0 && !kept[labels[p]! - 1]) data[p] = 0;
  }
  const box = { x0: w, y0: h, x1: -1, y1: -1 };
  parts.forEach((c, i) => {
    if (!kept[i]) return;
    box.x0 = Math.min(box.x0, c.x0);
    box.y0 = Math.min(box.y0, c.y0);
    box.x1 = Math.max(box.x1, c.x1);
    box.y1 = Math.max(box.y1, c.y1);
  });
  return box;
}
