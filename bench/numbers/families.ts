/**
 * The families of the numbers corpus: a whole number (2 to 8 MNIST test digits) written the
 * ways people write one, or the same kind of picture with no digit on it. Each picture is
 * drawn in one medium: a photo (JPEG), a scan (PNG), chalk on a board (light on dark, JPEG) or
 * a transparent PNG; forms and ruled paper only as photos or scans, since they need paper.
 */
import { PENS, photoLook, scanLook } from '../corpus/families.js';
import { inkAsAlpha, rawImage, renderPaper, toU8, type Ink, type Look, type Rgb } from '../corpus/render.js';
import type { CorpusRng } from '../corpus/rng.js';
import {
  breakStrokes,
  compose,
  dot,
  drawDigit,
  fade,
  layLine,
  printLayer,
  toOutline,
  toRuling,
  type Box,
  type GapKind,
  type Placed,
  type Sheet,
} from './layout.js';

export type Medium = 'photo' | 'scan' | 'board' | 'transparent';

/** A printed layer: lines in a printed colour, under the writer's ink. */
interface Printed {
  readonly lines: Ink;
  readonly colour: Rgb;
  /** how much of the light a full-strength line absorbs, 0..1 */
  readonly strength: number;
}

interface Drawing {
  readonly sheet: Sheet;
  readonly printed: readonly Printed[];
}

export interface NumberFamily {
  readonly name: string;
  readonly what: string;
  /** pictures with no digit, whose right answer is no_digit */
  readonly blank: boolean;
  /** the string accuracy /read must reach on this family (for blank families: the no_digit rate) */
  readonly target: number;
  readonly media: readonly Medium[];
  /** `digits` (28x28 each) drawn `k` times their size, with their boxes and any printed lines */
  draw(digits: readonly Uint8Array[], k: number, rng: CorpusRng): Promise<Drawing>;
}

/** Height of an MNIST digit's ink in its 28x28 box, about: the unit of sizes and gaps below, times the scale k. */
const H = 20;

const COLOUR_PENS: readonly Rgb[] = [
  [170, 30, 40], // red
  [30, 110, 60], // green
  [90, 40, 130], // purple
];
const BOARDS: readonly Rgb[] = [
  [40, 55, 45], // green board
  [30, 30, 36], // black board
  [60, 60, 64], // dark screen
];
const CHALKS: readonly Rgb[] = [
  [236, 236, 226],
  [240, 232, 170],
];
/** form boxes: red and light blue are the drop-out colours scanners remove, grey and black are not */
const FORM_INKS: readonly Rgb[] = [
  [225, 70, 70],
  [110, 150, 215],
  [130, 130, 130],
  [35, 35, 35],
  [70, 150, 100],
];
const RULINGS: readonly Rgb[] = [
  [120, 160, 215], // light blue
  [150, 150, 150], // grey
  [120, 180, 140], // light green
];
const MARGIN_RED: Rgb = [220, 90, 90];

/** A medium's digit scale: photos are taken close, scans at a modest resolution. */
export const SCALES: Readonly<Record<Medium, readonly [number, number]>> = {
  photo: [2, 4],
  board: [2, 3.5],
  scan: [1.2, 2.2],
  transparent: [1.5, 3],
};

function pen(rng: CorpusRng): Rgb {
  return rng.chance(0.2) ? rng.pick(COLOUR_PENS) : rng.pick(PENS);
}

function boardLook(rng: CorpusRng): Look {
  return {
    paper: rng.pick(BOARDS),
    ink: rng.pick(CHALKS),
    opacity: rng.uniform(0.75, 1),
    exposure: rng.uniform(0.85, 1.1),
    gradient: rng.uniform(0, 0.25),
    angle: rng.uniform(0, 2 * Math.PI),
    vignette: rng.uniform(0, 0.2),
    noise: rng.uniform(1, 5),
    grain: rng.uniform(1, 4),
  };
}

const luma = (c: Rgb) => 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];

/** Printed lines absorb light like any ink on paper: each channel is dimmed by the line's colour relative to the paper's. */
function overprint(levels: Float32Array, channels: 1 | 3, paper: Rgb, printed: Printed): void {
  const colour = channels === 1 ? [luma(printed.colour)] : printed.colour;
  const base = channels === 1 ? [luma(paper)] : paper;
  const absorb = colour.map((c, i) => Math.max(0, 1 - c / base[i]!));
  for (let p = 0; p < printed.lines.data.length; p++) {
    const a = (printed.strength * printed.lines.data[p]!) / 255;
    if (a === 0) continue;
    for (let c = 0; c < channels; c++) levels[p * channels + c]! *= 1 - a * absorb[c]!;
  }
}

function onPaper(drawing: Drawing, look: Look, channels: 1 | 3, rng: CorpusRng) {
  const { ink } = drawing.sheet;
  const levels = renderPaper(ink, look, channels, rng);
  for (const printed of drawing.printed) overprint(levels, channels, look.paper, printed);
  return rawImage(toU8(levels), ink.width, ink.height, channels);
}

/** The drawing as encoded bytes in `medium`. */
export async function encode(drawing: Drawing, medium: Medium, rng: CorpusRng): Promise<{ bytes: Buffer; ext: 'jpg' | 'png' }> {
  switch (medium) {
    case 'photo': {
      const image = onPaper(drawing, photoLook(rng, pen), rng.chance(0.6) ? 3 : 1, rng);
      return { bytes: await image.jpeg({ quality: rng.int(60, 95) }).toBuffer(), ext: 'jpg' };
    }
    case 'board':
      return {
        bytes: await onPaper(drawing, boardLook(rng), 3, rng)
          .jpeg({ quality: rng.int(60, 95) })
          .toBuffer(),
        ext: 'jpg',
      };
    case 'scan': {
      // forms are often scanned in colour, so their drop-out colours survive
      const channels = drawing.printed.length > 0 && rng.chance(0.5) ? 3 : 1;
      return { bytes: await onPaper(drawing, scanLook(rng), channels, rng).png().toBuffer(), ext: 'png' };
    }
    case 'transparent': {
      const { ink } = drawing.sheet;
      const colour = rng.pick<Rgb>([[0, 0, 0], [255, 255, 255], pen(rng)]);
      // some editors keep the pen colour under transparent pixels, browsers' canvases clear to black
      const clear: Rgb = rng.chance(0.5) ? colour : [0, 0, 0];
      return {
        bytes: await rawImage(inkAsAlpha(ink, colour, clear), ink.width, ink.height, 4)
          .png()
          .toBuffer(),
        ext: 'png',
      };
    }
  }
}

/** Each digit at its own size (k, +-15 %) and turn (the line's slant, +-6 degrees). */
function writeDigits(digits: readonly Uint8Array[], k: number, slant: number, rng: CorpusRng): Promise<Ink[]> {
  return Promise.all(digits.map((d) => drawDigit(d, k * rng.uniform(0.85, 1.15), slant + rng.uniform(-6, 6))));
}

function margins(k: number, lo: number, hi: number, rng: CorpusRng): [number, number, number, number] {
  const side = () => rng.uniform(lo, hi) * H * k;
  return [side(), side(), side(), side()];
}

/** A number written on a line: gaps of `kind` drawn from `gap` (pixels at scale k = 1). */
function lineFamily(kind: GapKind, gap: [number, number]): NumberFamily['draw'] {
  return async (digits, k, rng) => {
    const slant = rng.uniform(-4, 4);
    const inks = await writeDigits(digits, k, slant, rng);
    // at least two pixels of paper, or one of overlap: rounding never turns one family into another
    const pixels = (g: number) => (g > 0 ? Math.max(2, Math.round(g)) : Math.min(-1, Math.round(g)));
    const placed = layLine(inks, kind, () => pixels(rng.uniform(...gap) * k), slant, 0.06 * H * k, rng);
    return { sheet: compose(placed, [], margins(k, 0.3, 1.2, rng)), printed: [] };
  };
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function boxOf(p: Placed): Box {
  return { x: p.x, y: p.y, width: p.ink.width, height: p.ink.height };
}

/** Specks anywhere in `area` (layout coordinates) but `k` pixels clear of every box in `avoid`; a speck that finds no room is dropped. */
function specks(count: number, area: Box, avoid: readonly Box[], k: number, rng: CorpusRng): Placed[] {
  const out: Placed[] = [];
  for (let n = 0; n < count; n++) {
    const ink = dot(rng.uniform(0.5, 1.3) * k);
    for (let attempt = 0; attempt < 30; attempt++) {
      const x = Math.round(rng.uniform(area.x, area.x + area.width));
      const y = Math.round(rng.uniform(area.y, area.y + area.height));
      const clear = { x: x - k, y: y - k, width: ink.width + 2 * k, height: ink.height + 2 * k };
      if (avoid.some((box) => overlaps(clear, box))) continue;
      out.push({ ink, x, y });
      break;
    }
  }
  return out;
}

/**
 * Broken strokes: most digits cut by one or two thin erased bands (at least one digit in each
 * picture), some faint, and often a speck or two that is no digit.
 */
const broken: NumberFamily['draw'] = async (digits, k, rng) => {
  const slant = rng.uniform(-4, 4);
  const mustBreak = rng.int(0, digits.length - 1);
  const inks = (await writeDigits(digits, k, slant, rng)).map((ink, i) => {
    let out = ink;
    if (i === mustBreak || rng.chance(0.6)) out = breakStrokes(out, rng.int(1, 2), Math.max(1.5, rng.uniform(0.5, 1.1) * k), rng);
    return rng.chance(0.25) ? fade(out, rng.uniform(0.4, 0.6)) : out;
  });
  const placed = layLine(inks, 'box', () => Math.round(rng.uniform(2, 8) * k), slant, 0.06 * H * k, rng);
  const boxes = placed.map(boxOf);
  const x0 = Math.min(...boxes.map((b) => b.x));
  const y0 = Math.min(...boxes.map((b) => b.y));
  const x1 = Math.max(...boxes.map((b) => b.x + b.width));
  const y1 = Math.max(...boxes.map((b) => b.y + b.height));
  // around the writing, between the digits too: where a segmenter meets it
  const area = { x: x0 - 0.5 * H * k, y: y0 - 0.3 * H * k, width: x1 - x0 + H * k, height: y1 - y0 + 0.6 * H * k };
  const marks = specks(rng.chance(0.7) ? rng.int(1, 2) : 0, area, boxes, k, rng);
  return { sheet: compose(placed, marks, margins(k, 0.3, 1.2, rng)), printed: [] };
};

/** Layout coordinates of page point (u, v) on a page turned `slant` degrees. */
function fromPage(u: number, v: number, slant: number): { x: number; y: number } {
  const a = (slant * Math.PI) / 180;
  return { x: u * Math.cos(a) - v * Math.sin(a), y: u * Math.sin(a) + v * Math.cos(a) };
}

/** The layout-coordinate box around page rectangles turned `slant` degrees. */
function pageExtent(rects: readonly Box[], slant: number): Box {
  const corners = rects.flatMap((r) =>
    [
      [r.x, r.y],
      [r.x + r.width, r.y],
      [r.x, r.y + r.height],
      [r.x + r.width, r.y + r.height],
    ].map(([u, v]) => fromPage(u!, v!, slant)),
  );
  const x = Math.min(...corners.map((c) => c.x));
  const y = Math.min(...corners.map((c) => c.y));
  return { x, y, width: Math.max(...corners.map((c) => c.x)) - x, height: Math.max(...corners.map((c) => c.y)) - y };
}

/**
 * A row of printed form boxes, the digits written one per box from the left, with up to two
 * boxes left empty at the end; boxes apart or joined in a comb. A digit is now and then
 * written large enough to cross its box's lines.
 */
const formBoxes: NumberFamily['draw'] = async (digits, k, rng) => {
  const slant = rng.uniform(-3, 3);
  const boxHeight = rng.uniform(1.2, 1.6) * H * k;
  const boxWidth = boxHeight * rng.uniform(0.7, 1);
  const pitch = rng.chance(0.5) ? boxWidth : boxWidth * rng.uniform(1.1, 1.5);
  const count = digits.length > 0 ? digits.length + rng.int(0, 2) : rng.int(2, 8);
  const rects = Array.from({ length: count }, (_, j) => ({ x: j * pitch, y: -boxHeight, width: boxWidth, height: boxHeight }));
  const inks = await Promise.all(
    digits.map((d) => drawDigit(d, k * rng.uniform(0.85, 1.15) * (rng.chance(0.2) ? 1.25 : 1), slant + rng.uniform(-6, 6))),
  );
  const placed = inks.map((ink, j) => {
    const centre = fromPage(
      rects[j]!.x + boxWidth * (0.5 + rng.uniform(-0.08, 0.08)),
      -boxHeight * (0.5 + rng.uniform(-0.08, 0.08)),
      slant,
    );
    return { ink, x: Math.round(centre.x - ink.width / 2), y: Math.round(centre.y - ink.height / 2) };
  });
  const sheet = compose(placed, [], margins(k, 0.3, 1.2, rng), pageExtent(rects, slant));
  const lineWidth = Math.max(1, rng.uniform(0.3, 0.6) * k);
  const lines = printLayer(sheet, slant, lineWidth, (u, v) => Math.min(...rects.map((r) => toOutline(u, v, r))));
  return { sheet, printed: [{ lines, colour: rng.pick(FORM_INKS), strength: rng.uniform(0.7, 1) }] };
};

/**
 * A line of digits on ruled paper (the baseline on a rule, the rule above near the digits'
 * tops, sometimes a red margin line to the left) or on squared paper (a grid finer than a digit).
 */
const ruledPaper: NumberFamily['draw'] = async (digits, k, rng) => {
  const slant = rng.uniform(-4, 4);
  const inks = await writeDigits(digits, k, slant, rng);
  const placed = layLine(inks, 'box', () => Math.round(rng.uniform(1.5, 7) * k), slant, 0.06 * H * k, rng);
  const extent = placed.length > 0 ? undefined : { x: 0, y: -H * k, width: rng.uniform(3, 10) * H * k, height: H * k };
  const sheet = compose(placed, [], margins(k, 0.4, 1.5, rng), extent);
  const lineWidth = Math.max(1, rng.uniform(0.25, 0.5) * k);
  const colour = rng.pick(RULINGS);
  const strength = rng.uniform(0.5, 0.9);
  const printed: Printed[] = [];
  if (rng.chance(0.6)) {
    const pitch = rng.uniform(1, 1.5) * H * k;
    const baseline = rng.uniform(0, 0.12) * H * k;
    printed.push({ lines: printLayer(sheet, slant, lineWidth, (_u, v) => toRuling(v, baseline, pitch)), colour, strength });
    if (rng.chance(0.3)) {
      const margin = -rng.uniform(0.4, 1.2) * H * k;
      printed.push({ lines: printLayer(sheet, slant, lineWidth, (u) => Math.abs(u - margin)), colour: MARGIN_RED, strength });
    }
  } else {
    const pitch = rng.uniform(0.45, 0.8) * H * k;
    const [du, dv] = [rng.uniform(0, pitch), rng.uniform(0, pitch)];
    const grid = (u: number, v: number) => Math.min(toRuling(u, du, pitch), toRuling(v, dv, pitch));
    printed.push({ lines: printLayer(sheet, slant, lineWidth, grid), colour, strength });
  }
  return { sheet, printed };
};

/** Paper (or a board, or a transparent picture) the size of a written number, now and then with a speck on it. */
const blankPaper: NumberFamily['draw'] = (_digits, k, rng) => {
  const extent = { x: 0, y: -H * k, width: rng.uniform(3, 10) * H * k, height: H * k };
  const marks = specks(rng.chance(0.3) ? 1 : 0, extent, [], k, rng);
  return Promise.resolve({ sheet: compose([], marks, margins(k, 0.3, 1.2, rng), extent), printed: [] });
};

const ON_PAPER: readonly Medium[] = ['photo', 'scan'];
const ANY: readonly Medium[] = ['photo', 'photo', 'scan', 'board', 'transparent'];

export const NUMBER_FAMILIES: readonly NumberFamily[] = [
  {
    name: 'spaced',
    what: 'digits apart, gaps between boxes of 2-10 px at scale 1, uneven',
    blank: false,
    target: 0.92,
    media: ANY,
    draw: lineFamily('box', [2, 10]),
  },
  {
    name: 'tight',
    what: 'closest ink of neighbours 0.7-1.8 px apart at scale 1 (2 px at least): boxes overlap, strokes do not',
    blank: false,
    target: 0.88,
    media: ANY,
    draw: lineFamily('ink', [0.7, 1.8]),
  },
  {
    name: 'touching',
    what: "neighbours' strokes overlapping by 0.5-1.5 px at scale 1",
    blank: false,
    target: 0.75,
    media: ANY,
    draw: lineFamily('ink', [-1.5, -0.5]),
  },
  {
    name: 'broken',
    what: 'strokes cut by thin erased bands, some digits faint, specks that are no digit',
    blank: false,
    target: 0.85,
    media: ANY,
    draw: broken,
  },
  {
    name: 'boxes',
    what: 'one digit per printed form box (apart or comb), up to two boxes left empty',
    blank: false,
    target: 0.88,
    media: ON_PAPER,
    draw: formBoxes,
  },
  {
    name: 'ruled',
    what: 'on ruled paper (sometimes a red margin) or squared paper, lines crossing the digits',
    blank: false,
    target: 0.9,
    media: ON_PAPER,
    draw: ruledPaper,
  },
  {
    name: 'blank-paper',
    what: 'paper, board or transparent picture with no digit, sometimes a speck',
    blank: true,
    target: 1,
    media: ANY,
    draw: blankPaper,
  },
  { name: 'empty-boxes', what: 'a row of 2-8 empty form boxes', blank: true, target: 1, media: ON_PAPER, draw: formBoxes },
  { name: 'empty-ruled', what: 'ruled or squared paper with no digit', blank: true, target: 1, media: ON_PAPER, draw: ruledPaper },
];

export function numberFamilyNamed(name: string): NumberFamily {
  const family = NUMBER_FAMILIES.find((f) => f.name === name);
  if (!family) throw new Error(`unknown family ${name}; known: ${NUMBER_FAMILIES.map((f) => f.name).join(', ')}`);
  return family;
}

/** `--families a,b` as families, or every family when the option is absent. */
export function selectedNumberFamilies(list: string | undefined): readonly NumberFamily[] {
  return list ? list.split(',').map(numberFamilyNamed) : NUMBER_FAMILIES;
}
