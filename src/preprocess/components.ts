/**
 * Crop to the ink, robust to specks. The ink is split into 8-connected components; a component
 * much lighter than the heaviest (a speck of dust, a fleck of paper texture, a JPEG block that
 * crossed the threshold) is erased, so it cannot stretch the crop box and shrink the digit.
 * Parts of a digit that a thin stroke left apart (the bar of a 5, a broken loop) weigh far
 * more than a speck and stay. One flood fill per component, O(pixels).
 */
import type { Box, Plane } from './plane.js';

/** a component lighter than this share of the heaviest one is a speck */
export const SPECK_FRACTION = 0.05;

interface Component {
  mass: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Erases the specks of `ink` in place; returns the box around what is left, or null when nothing is. */
export function keepMainInk(ink: Plane<Float32Array>): Box | null {
  const { width: w, height: h, data } = ink;
  const labels = new Int32Array(w * h);
  const stack = new Int32Array(w * h);
  const parts: Component[] = [];
  for (let start = 0; start < data.length; start++) {
    if (data[start]! <= 0 || labels[start] !== 0) continue;
    const part: Component = { mass: 0, x0: w, y0: h, x1: -1, y1: -1 };
    parts.push(part);
    const label = parts.length;
    labels[start] = label;
    let top = 0;
    stack[top++] = start;
    while (top > 0) {
      const p = stack[--top]!;
      const x = p % w;
      const y = (p - x) / w;
      part.mass += data[p]!;
      if (x < part.x0) part.x0 = x;
      if (x > part.x1) part.x1 = x;
      if (y < part.y0) part.y0 = y;
      if (y > part.y1) part.y1 = y;
      for (let ny = Math.max(0, y - 1); ny <= Math.min(h - 1, y + 1); ny++) {
        for (let nx = Math.max(0, x - 1); nx <= Math.min(w - 1, x + 1); nx++) {
          const q = ny * w + nx;
          if (data[q]! > 0 && labels[q] === 0) {
            labels[q] = label;
            stack[top++] = q;
          }
        }
      }
    }
  }
  if (parts.length === 0) return null;
  const heaviest = parts.reduce((m, c) => Math.max(m, c.mass), 0);
  const kept = parts.map((c) => c.mass >= SPECK_FRACTION * heaviest);
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
