/**
 * Components -> digits: specks dropped, the pieces of a broken digit put back together. The
 * line's own digits are the scale: a speck is far smaller than the typical component, and the
 * pieces of one digit share its columns (a 5's loose bar above its body, a loop cut across),
 * while neighbours sit side by side. A small piece that shares no columns joins the nearest
 * digit when close enough, and is dropped otherwise (a speck between digits). Slivers of
 * printed lines are dropped with the specks. A mark as small as a speck is kept when it nearly
 * touches other ink: a stroke cut by a thin gap leaves fragments that small, a speck of dirt
 * lies clear of the writing. Loose pieces close to each other are one digit when together
 * they stand as tall as one (a faint digit that fell apart into fragments).
 */
import type { Box } from '../preprocess/plane.js';
import type { Component } from './components.js';
import { height, median, union, width, type DigitInk } from './pieces.js';

/** the typical component is measured over those with at least this share of the largest one's area: specks do not set the scale */
export const SCALE_SHARE = 0.2;
/** a component with less area than this share of the typical one, and short, is a speck */
export const SPECK_AREA = 0.1;
export const SPECK_HEIGHT = 0.4;
/** a mark no larger than this share of the typical height either way is a speck whatever its area */
export const SPECK_SIZE = 0.15;
/** a speck-sized mark this close to other ink (box gap, in typical heights) is a fragment of a stroke */
export const FRAGMENT_REACH = 0.07;
/**
 * a component thinner than this share of its length is what is left of a printed line (a faint
 * edge the line finder missed, a stretch of rule): a digit's stroke is thicker than that
 */
export const SLIVER = 0.08;
/** two pieces overlapping over this share of the narrower one's width are one digit */
export const OVERLAP_SHARE = 0.5;
/** a digit shorter than this share of the typical digit's height is a loose piece */
export const PIECE_HEIGHT = 0.55;
/** a short piece far from every digit is a digit itself with this share of the typical area */
export const LONE_AREA = 0.4;
/** how far a loose piece may be from a digit to join it, in typical digit heights */
export const PIECE_REACH = 0.25;

export function groupDigits(components: readonly Component[]): DigitInk[] {
  const big = components.filter((c) => c.area >= SCALE_SHARE * Math.max(...components.map((k) => k.area)));
  if (big.length === 0) return [];
  const typicalArea = median(big.map((c) => c.area));
  const typicalHeight = median(big.map(height));
  const areas = new Map(components.map((c) => [c.label, c.area]));
  const shaped = components.filter((c) => Math.min(width(c), height(c)) >= SLIVER * Math.max(width(c), height(c)));
  const small = (c: Component) =>
    (c.area < SPECK_AREA * typicalArea && height(c) < SPECK_HEIGHT * typicalHeight) ||
    Math.max(width(c), height(c)) <= SPECK_SIZE * typicalHeight;
  const kept = keepFragments(
    shaped.filter((c) => !small(c)),
    shaped.filter(small),
    FRAGMENT_REACH * typicalHeight,
  );
  const groups = mergeOverlapping(kept.map((c) => ({ box: c, pieces: [{ label: c.label, x0: c.x0, x1: c.x1 }] })));
  const digitHeight = median(groups.map((g) => height(g.box)));
  const digits = groups.filter((g) => height(g.box) >= PIECE_HEIGHT * digitHeight);
  const clusters = clusterLoose(
    groups.filter((g) => height(g.box) < PIECE_HEIGHT * digitHeight),
    FRAGMENT_REACH * typicalHeight,
  );
  digits.push(...clusters.filter((g) => height(g.box) >= PIECE_HEIGHT * digitHeight));
  for (const loose of clusters.filter((g) => height(g.box) < PIECE_HEIGHT * digitHeight)) {
    let nearest = -1;
    let best = PIECE_REACH * digitHeight;
    digits.forEach((d, i) => {
      const gap = Math.max(d.box.x0 - loose.box.x1, loose.box.x0 - d.box.x1, 0);
      if (gap <= best) [nearest, best] = [i, gap];
    });
    // far from every digit: a flat digit of its own when it has a digit's ink, else a speck
    if (nearest < 0) {
      if (area(loose, areas) >= LONE_AREA * typicalArea) digits.push(loose);
      continue;
    }
    const d = digits[nearest]!;
    digits[nearest] = { box: union(d.box, loose.box), pieces: [...d.pieces, ...loose.pieces] };
  }
  return digits.sort((a, b) => a.box.x0 + a.box.x1 - (b.box.x0 + b.box.x1));
}

/** The gap between two boxes, the larger of the horizontal and vertical ones (0 when they overlap). */
function gap(a: Box, b: Box): number {
  return Math.max(a.x0 - b.x1, b.x0 - a.x1, a.y0 - b.y1, b.y0 - a.y1, 0);
}

/** `marks` that lie within `reach` of the kept ink, directly or through other such marks, join it. */
function keepFragments(kept: Component[], marks: readonly Component[], reach: number): Component[] {
  let left = [...marks];
  for (let grown = true; grown && left.length > 0;) {
    const near = left.filter((m) => kept.some((c) => gap(c, m) <= reach));
    grown = near.length > 0;
    kept.push(...near);
    left = left.filter((m) => !near.includes(m));
  }
  return kept;
}

/** Loose pieces within `reach` of each other, directly or through others, merged. */
function clusterLoose(loose: readonly DigitInk[], reach: number): DigitInk[] {
  const out = [...loose];
  for (let merged = true; merged;) {
    merged = false;
    for (let i = 0; i < out.length && !merged; i++) {
      for (let j = i + 1; j < out.length && !merged; j++) {
        if (gap(out[i]!.box, out[j]!.box) > reach) continue;
        out[i] = { box: union(out[i]!.box, out[j]!.box), pieces: [...out[i]!.pieces, ...out[j]!.pieces] };
        out.splice(j, 1);
        merged = true;
      }
    }
  }
  return out;
}

function area(digit: DigitInk, areas: ReadonlyMap<number, number>): number {
  return digit.pieces.reduce((sum, p) => sum + areas.get(p.label)!, 0);
}

/** Merges digits whose columns overlap enough, until none do. */
function mergeOverlapping(start: DigitInk[]): DigitInk[] {
  const groups = [...start].sort((a, b) => a.box.x0 - b.box.x0);
  for (let merged = true; merged;) {
    merged = false;
    for (let i = 0; i < groups.length && !merged; i++) {
      for (let j = i + 1; j < groups.length && !merged; j++) {
        const a = groups[i]!.box;
        const b = groups[j]!.box;
        const overlap = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0) + 1;
        if (overlap < OVERLAP_SHARE * Math.min(width(a), width(b))) continue;
        groups[i] = { box: union(a, b), pieces: [...groups[i]!.pieces, ...groups[j]!.pieces] };
        groups.splice(j, 1);
        merged = true;
      }
    }
  }
  return groups;
}
