/**
 * 8-connected components of a binary mask, with their boxes and sizes. The ink is read as
 * horizontal runs, and runs touching across rows are joined with a union-find: a picture is
 * labelled several times per /read, and a handful of runs per row cost far less than a flood
 * fill visiting every pixel's eight neighbours.
 */
import type { Box, Plane } from '../preprocess/plane.js';

export interface Component extends Box {
  /** its number in `labels` (from 1) */
  readonly label: number;
  readonly area: number;
}

/** The components and the ink's runs, without a label per pixel: enough for a walk over the ink alone. */
export interface ComponentRuns {
  readonly components: Component[];
  /** the ink as horizontal runs, in raster order, each with its component's label */
  readonly runs: LabelledRuns;
}

export interface Labelled extends ComponentRuns {
  /** per pixel, its component's label; 0 off the ink */
  readonly labels: Int32Array;
}

/** Horizontal runs of ink: run k covers columns x0[k]..x1[k] of row y[k]. */
export interface Runs {
  readonly x0: readonly number[];
  readonly x1: readonly number[];
  readonly y: readonly number[];
}

export interface LabelledRuns extends Runs {
  readonly label: Int32Array;
}

/** Labels are numbered in the order of each component's first pixel, row by row. */
export function labelComponents(mask: Plane): Labelled {
  const found = componentRuns(mask);
  return { labels: paintLabels(mask, found.runs), ...found };
}

/** labelComponents without the labels per pixel. */
export function componentRuns(mask: Plane): ComponentRuns {
  const runs = rowRuns(mask);
  return numberComponents(runs, joinTouchingRuns(runs));
}

/** In raster order; row y's runs are rowStart[y] .. rowStart[y + 1] - 1. */
interface RowRuns extends Runs {
  readonly rowStart: Int32Array;
}

function rowRuns({ width: w, height: h, data }: Plane): RowRuns {
  const runs = { rowStart: new Int32Array(h + 1), x0: [] as number[], x1: [] as number[], y: [] as number[] };
  for (let y = 0; y < h; y++) {
    runs.rowStart[y] = runs.x0.length;
    const row = y * w;
    for (let x = 0; x < w; x++) {
      if (!data[row + x]) continue;
      runs.x0.push(x);
      runs.y.push(y);
      while (x + 1 < w && data[row + x + 1]) x++;
      runs.x1.push(x);
    }
  }
  runs.rowStart[h] = runs.x0.length;
  return runs;
}

/**
 * Each run's parent: an earlier run (in raster order) of its component, or itself for the
 * component's first run. Runs in neighbouring rows touch when their columns overlap or meet
 * at a corner; a root joins the earlier root, so every component's root is its first run.
 */
function joinTouchingRuns({ rowStart, x0, x1 }: RowRuns): Int32Array {
  const count = x0.length;
  const parent = new Int32Array(count);
  for (let i = 0; i < count; i++) parent[i] = i;
  const root = (i: number) => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (let row = 1; row < rowStart.length - 1; row++) {
    let above = rowStart[row - 1]!;
    const aboveEnd = rowStart[row]!;
    for (let i = rowStart[row]!; i < rowStart[row + 1]!; i++) {
      while (above < aboveEnd && x1[above]! < x0[i]! - 1) above++;
      for (let j = above; j < aboveEnd && x0[j]! <= x1[i]! + 1; j++) {
        const [a, b] = [root(i), root(j)];
        if (a < b) parent[b] = a;
        else parent[a] = b;
      }
    }
  }
  return parent;
}

/** Each component's label, box and area; a run takes its parent's label, numbered before it. */
function numberComponents(runs: RowRuns, parent: Int32Array): ComponentRuns {
  const labelOf = new Int32Array(parent.length);
  const boxes: { label: number; area: number; x0: number; y0: number; x1: number; y1: number }[] = [];
  for (let i = 0; i < parent.length; i++) {
    const [x0, x1, y] = [runs.x0[i]!, runs.x1[i]!, runs.y[i]!];
    if (parent[i] === i) {
      labelOf[i] = boxes.length + 1;
      boxes.push({ label: boxes.length + 1, area: 0, x0, y0: y, x1, y1: y });
    } else {
      labelOf[i] = labelOf[parent[i]!]!;
    }
    const c = boxes[labelOf[i]! - 1]!;
    c.area += x1 - x0 + 1;
    c.x0 = Math.min(c.x0, x0);
    c.x1 = Math.max(c.x1, x1);
    c.y1 = y;
  }
  return { components: boxes, runs: { x0: runs.x0, x1: runs.x1, y: runs.y, label: labelOf } };
}

function paintLabels({ width: w, height: h }: Plane, runs: LabelledRuns): Int32Array {
  const labels = new Int32Array(w * h);
  for (let k = 0; k < runs.label.length; k++) labels.fill(runs.label[k]!, runs.y[k]! * w + runs.x0[k]!, runs.y[k]! * w + runs.x1[k]! + 1);
  return labels;
}
