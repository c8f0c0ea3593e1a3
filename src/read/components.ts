/** 8-connected components of a binary mask, with their boxes and sizes. */
import type { Box, Plane } from '../preprocess/plane.js';

export interface Component extends Box {
  /** its number in `labels` (from 1) */
  readonly label: number;
  readonly area: number;
}

export interface Labelled {
  /** per pixel, its component's label; 0 off the ink */
  readonly labels: Int32Array;
  readonly components: Component[];
}

export function labelComponents(mask: Plane): Labelled {
  const { width: w, height: h, data } = mask;
  const labels = new Int32Array(w * h);
  const stack = new Int32Array(w * h);
  const components: Component[] = [];
  for (let start = 0; start < data.length; start++) {
    if (!data[start] || labels[start]) continue;
    const label = components.length + 1;
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
    let [x0, y0, x1, y1, area] = [w, h, -1, -1, 0];
    while (top > 0) {
      const p = stack[--top]!;
      const x = p % w;
      const y = (p - x) / w;
      area++;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const q = ny * w + nx;
          if (nx < 0 || nx >= w || !data[q] || labels[q]) continue;
          labels[q] = label;
          stack[top++] = q;
        }
      }
    }
    components.push({ label, area, x0, y0, x1, y1 });
  }
  return { labels, components };
}
