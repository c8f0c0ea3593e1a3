/**
 * Laying MNIST digits out as a written number: each digit scaled and turned on its own, set
 * along a slightly slanted baseline with uneven gaps, or into the boxes of a form; strokes
 * broken, digits faded, specks dropped; printed lines (form boxes, ruled or squared paper)
 * drawn as a separate layer, because printed lines are not the writer's ink.
 * Ink maps follow the corpus's convention (0..255, bright = ink).
 */
import { placeInk, rotateInk, scaleDigit, type Ink } from '../corpus/render.js';
import type { CorpusRng } from '../corpus/rng.js';

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A pixel counts as ink from this level up, so the soft halo of a scaled stroke does not widen a digit's box. */
export const INK_LEVEL = 48;

/** The tight box of the pixels at `level` or above; null when there are none. */
export function inkBox(ink: Ink, level = INK_LEVEL): Box | null {
  let x0 = ink.width;
  let y0 = ink.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < ink.height; y++) {
    for (let x = 0; x < ink.width; x++) {
      if (ink.data[y * ink.width + x]! < level) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

function crop(ink: Ink, box: Box): Ink {
  const data = new Uint8Array(box.width * box.height);
  for (let r = 0; r < box.height; r++) {
    const from = (box.y + r) * ink.width + box.x;
    data.set(ink.data.subarray(from, from + box.width), r * box.width);
  }
  return { width: box.width, height: box.height, data };
}

/** A 28x28 digit `factor` times larger, turned `degrees` clockwise, cropped to everything it touches (halo included). */
export async function drawDigit(digit: Uint8Array, factor: number, degrees: number): Promise<Ink> {
  const turned = await rotateInk(await scaleDigit(digit, factor), degrees);
  const box = inkBox(turned, 1);
  return box ? crop(turned, box) : turned;
}

/** Coverage 0..1 of a line `width` wide at `distance` from its centre, with a one-pixel anti-aliased edge. */
function coverage(distance: number, width: number): number {
  return Math.min(1, Math.max(0, width / 2 + 0.5 - distance));
}

/**
 * `bands` thin bands erased across the digit, each through one of its ink pixels at a random
 * angle, so a stroke is cut rather than the empty corner of the box: a 5's bar comes loose,
 * a 4's top opens.
 */
export function breakStrokes(ink: Ink, bands: number, width: number, rng: CorpusRng): Ink {
  const data = ink.data.slice();
  for (let b = 0; b < bands; b++) {
    const inkPixels: number[] = [];
    for (let p = 0; p < data.length; p++) if (data[p]! >= INK_LEVEL) inkPixels.push(p);
    if (inkPixels.length === 0) break;
    const through = rng.pick(inkPixels);
    const angle = rng.uniform(0, Math.PI);
    const nx = -Math.sin(angle);
    const ny = Math.cos(angle);
    const d = nx * (through % ink.width) + ny * Math.floor(through / ink.width);
    for (let y = 0; y < ink.height; y++) {
      for (let x = 0; x < ink.width; x++) {
        const p = y * ink.width + x;
        data[p] = Math.round(data[p]! * (1 - coverage(Math.abs(nx * x + ny * y - d), width)));
      }
    }
  }
  return { ...ink, data };
}

/** The digit at `strength` (0..1) of its ink: a pen running dry, a light touch. */
export function fade(ink: Ink, strength: number): Ink {
  return { ...ink, data: ink.data.map((v) => Math.round(v * strength)) };
}

/** A digit's ink with the top-left corner of its crop at (x, y) in layout coordinates (any sign). */
export interface Placed {
  readonly ink: Ink;
  readonly x: number;
  readonly y: number;
}

/** How the gap between neighbours is measured: between their boxes, or between their closest ink on a shared row. */
export type GapKind = 'box' | 'ink';

/** Leftmost and rightmost ink column of each row, -1 for a row without ink. */
function rowProfile(ink: Ink): { left: Int32Array; right: Int32Array } {
  const left = new Int32Array(ink.height).fill(-1);
  const right = new Int32Array(ink.height).fill(-1);
  for (let y = 0; y < ink.height; y++) {
    for (let x = 0; x < ink.width; x++) {
      if (ink.data[y * ink.width + x]! < INK_LEVEL) continue;
      if (left[y] === -1) left[y] = x;
      right[y] = x;
    }
  }
  return { left, right };
}

/**
 * Digits left to right on a baseline slanted by `slant` degrees (clockwise), each bottom within
 * `jitter` pixels of it. `gap(i)` is the gap before digit i in pixels: between boxes ('box'),
 * or between the closest ink of a shared row ('ink'); a negative ink gap makes the strokes
 * overlap by that many pixels. An ink gap never lets a digit slide past its neighbour's middle
 * (a short digit under a 7's bar), so the reading order stays that of the boxes.
 */
export function layLine(
  inks: readonly Ink[],
  kind: GapKind,
  gap: (i: number) => number,
  slant: number,
  jitter: number,
  rng: CorpusRng,
): Placed[] {
  const tan = Math.tan((slant * Math.PI) / 180);
  const rightmost = new Map<number, number>();
  const placed: Placed[] = [];
  let boxRight = 0;
  inks.forEach((ink, i) => {
    const g = gap(i);
    const prev = placed[i - 1];
    let x = prev ? boxRight + g : 0;
    const y = Math.round((x + ink.width / 2) * tan + rng.uniform(-jitter, jitter)) - ink.height;
    const { left, right } = rowProfile(ink);
    if (prev && kind === 'ink') {
      let need = -Infinity;
      for (let r = 0; r < ink.height; r++) {
        const other = rightmost.get(y + r);
        if (left[r]! >= 0 && other !== undefined) need = Math.max(need, other + 1 + g - left[r]!);
      }
      x = Math.max(Number.isFinite(need) ? need : x, Math.round(prev.x + prev.ink.width / 2));
    }
    for (let r = 0; r < ink.height; r++) {
      if (right[r]! >= 0) rightmost.set(y + r, Math.max(rightmost.get(y + r) ?? -Infinity, x + right[r]!));
    }
    boxRight = Math.max(boxRight, x + ink.width);
    placed.push({ ink, x, y });
  });
  return placed;
}

/** A round dot of ink, `radius` pixels: a pen tap or a speck of dirt. */
export function dot(radius: number): Ink {
  const side = 2 * Math.ceil(radius) + 3;
  const c = (side - 1) / 2;
  const data = new Uint8Array(side * side);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) data[y * side + x] = Math.round(255 * coverage(Math.hypot(x - c, y - c), 2 * radius));
  return { width: side, height: side, data };
}

export interface Sheet {
  /** all the writer's ink on the picture */
  readonly ink: Ink;
  /** where layout coordinates (0, 0) fall on the picture */
  readonly origin: { readonly x: number; readonly y: number };
  /** each digit's tight ink box on the picture, in the order given */
  readonly boxes: Box[];
}

/**
 * The placed digits (and marks, which get no box) on one canvas, with `margin` pixels of paper
 * around [left, top, right, bottom]; `extent` (layout coordinates) widens the canvas to hold
 * printed things beyond the ink, such as empty form boxes.
 */
export function compose(
  digits: readonly Placed[],
  marks: readonly Placed[],
  margin: readonly [number, number, number, number],
  extent?: Box,
): Sheet {
  const all = [...digits, ...marks];
  const xs = all.flatMap((p) => [p.x, p.x + p.ink.width]).concat(extent ? [extent.x, extent.x + extent.width] : []);
  const ys = all.flatMap((p) => [p.y, p.y + p.ink.height]).concat(extent ? [extent.y, extent.y + extent.height] : []);
  const ox = Math.round(margin[0] - Math.min(0, ...xs));
  const oy = Math.round(margin[1] - Math.min(0, ...ys));
  const width = Math.round(ox + Math.max(0, ...xs) + margin[2]);
  const height = Math.round(oy + Math.max(0, ...ys) + margin[3]);
  const canvas = placeInk(null, width, height, 0, 0);
  for (const { ink, x, y } of all) {
    for (let r = 0; r < ink.height; r++) {
      for (let c = 0, p = (oy + y + r) * width + ox + x; c < ink.width; c++, p++) {
        const v = ink.data[r * ink.width + c]!;
        if (v > canvas.data[p]!) canvas.data[p] = v;
      }
    }
  }
  const boxes = digits.map(({ ink, x, y }) => {
    const b = inkBox(ink);
    if (!b) throw new Error('a digit without ink');
    return { x: ox + x + b.x, y: oy + y + b.y, width: b.width, height: b.height };
  });
  return { ink: canvas, origin: { x: ox, y: oy }, boxes };
}

/**
 * Printed lines on the sheet: `distance(u, v)` is how far the page point (u, v) is from the
 * nearest printed line, where the page is the layout turned by `slant` degrees, so printed
 * lines run along the writing's baseline.
 */
export function printLayer(sheet: Sheet, slant: number, lineWidth: number, distance: (u: number, v: number) => number): Ink {
  const { width, height } = sheet.ink;
  const a = (slant * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const ly = y - sheet.origin.y;
    for (let x = 0; x < width; x++) {
      const lx = x - sheet.origin.x;
      data[y * width + x] = Math.round(255 * coverage(distance(lx * cos + ly * sin, -lx * sin + ly * cos), lineWidth));
    }
  }
  return { width, height, data };
}

/** Distance from v to the nearest of the lines v = offset + k * pitch. */
export function toRuling(v: number, offset: number, pitch: number): number {
  const m = (((v - offset) % pitch) + pitch) % pitch;
  return Math.min(m, pitch - m);
}

/** Distance from (u, v) to the outline of a page-aligned rectangle. */
export function toOutline(u: number, v: number, r: Box): number {
  const dx = Math.max(r.x - u, 0, u - r.x - r.width);
  const dy = Math.max(r.y - v, 0, v - r.y - r.height);
  if (dx > 0 || dy > 0) return Math.hypot(dx, dy);
  return Math.min(u - r.x, r.x + r.width - u, v - r.y, r.y + r.height - v);
}
