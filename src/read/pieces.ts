/**
 * A digit as the pieces of ink it is made of: connected components, or the part of one
 * between two cuts when touching digits share a component.
 */
import type { Box } from '../preprocess/plane.js';

export interface Piece {
  readonly label: number;
  /** the columns of the component that belong to this digit, inclusive */
  readonly x0: number;
  readonly x1: number;
  /** where touching digits were cut apart: the piece holds the pixels at or right of `left`, left of `right` */
  readonly left?: CutPath;
  readonly right?: CutPath;
}

/** A cut between touching digits: per row from y0, the first column right of it. */
export interface CutPath {
  /** the column it was searched around: names the cut */
  readonly at: number;
  readonly y0: number;
  readonly xs: Int32Array;
}

/** The first column right of the cut on row y (rows beyond the path take its end's). */
export function cutColumn(cut: CutPath, y: number): number {
  return cut.xs[Math.min(cut.xs.length - 1, Math.max(0, y - cut.y0))]!;
}

export interface DigitInk {
  /** the box around the digit's ink, in the picture's pixels */
  readonly box: Box;
  readonly pieces: readonly Piece[];
}

export const width = (b: Box) => b.x1 - b.x0 + 1;
export const height = (b: Box) => b.y1 - b.y0 + 1;

export function union(a: Box, b: Box): Box {
  return { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}
