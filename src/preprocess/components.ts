/**
 * Crop to the ink, robust to specks. The ink (levels above the threshold) is split into
 * 8-connected components; a component much smaller than the largest (a speck of dust, a fleck
 * of paper texture, a JPEG block that crossed the threshold) is erased, so it cannot stretch
 * the crop box and shrink the digit. Parts of a digit that a thin stroke left apart (the bar of
 * a 5, a broken loop) are far larger than a speck and stay. One pass over the pixels finds the
 * ink's runs along each row and joins those that touch in neighbouring rows (union-find); the
 * rest works on the runs, far fewer than the pixels.
 */
import type { Box, Plane } from './plane.js';

/** a component with fewer pixels than this share of the largest one is a speck */
export const SPECK_FRACTION = 0.05;

/** Ink pixels x0..x1 of row y. */
interface Run {
  readonly y: number;
  readonly x0: number;
  readonly x1: number;
  /** index of a run of the same component, closer to its root (the component's first run); its own index at the root */
  parent: number;
}

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
  const runs = connectedRuns(levels, threshold);
  if (runs.length === 0) return null;
  // a root comes before the other runs of its component
  const partOf: Component[] = [];
  for (const [i, run] of runs.entries()) {
    const root = rootOf(runs, i);
    const part = root === i ? { size: 0, x0: w, y0: h, x1: -1, y1: -1 } : partOf[root]!;
    partOf.push(part);
    part.size += run.x1 - run.x0 + 1;
    part.x0 = Math.min(part.x0, run.x0);
    part.x1 = Math.max(part.x1, run.x1);
    part.y0 = Math.min(part.y0, run.y);
    part.y1 = Math.max(part.y1, run.y);
  }
  const largest = partOf.reduce((m, c) => Math.max(m, c.size), 0);
  const box = { x0: w, y0: h, x1: -1, y1: -1 };
  for (const [i, run] of runs.entries()) {
    const part = partOf[i]!;
    if (part.size < SPECK_FRACTION * largest) {
      data.fill(0, run.y * w + run.x0, run.y * w + run.x1 + 1);
      continue;
    }
    box.x0 = Math.min(box.x0, part.x0);
    box.y0 = Math.min(box.y0, part.y0);
    box.x1 = Math.max(box.x1, part.x1);
    box.y1 = Math.max(box.y1, part.y1);
  }
  return box;
}

/** The runs of ink along each row, top to bottom and left to right, joined into 8-connected components. */
function connectedRuns(levels: Plane, threshold: number): Run[] {
  const { width: w, height: h, data } = levels;
  const runs: Run[] = [];
  for (let y = 0, p = 0, above = 0; y < h; y++) {
    const rowStart = runs.length;
    for (let x = 0; x < w; x++, p++) {
      if (data[p]! <= threshold) continue;
      const x0 = x;
      while (x + 1 < w && data[p + 1]! > threshold) {
        x++;
        p++;
      }
      const i = runs.push({ y, x0, x1: x, parent: runs.length }) - 1;
      // the runs of the row above are in order: those ending before this one's reach cannot touch the next ones either
      while (above < rowStart && runs[above]!.x1 < x0 - 1) above++;
      for (let k = above; k < rowStart && runs[k]!.x0 <= x + 1; k++) join(runs, k, i);
    }
    above = rowStart;
  }
  return runs;
}

function rootOf(runs: Run[], i: number): number {
  while (runs[i]!.parent !== i) {
    // path halving: later look-ups take shorter paths
    runs[i]!.parent = runs[runs[i]!.parent]!.parent;
    i = runs[i]!.parent;
  }
  return i;
}

function join(runs: Run[], a: number, b: number): void {
  const ra = rootOf(runs, a);
  const rb = rootOf(runs, b);
  // the earlier run stays the root
  if (ra !== rb) runs[Math.max(ra, rb)]!.parent = Math.min(ra, rb);
}
