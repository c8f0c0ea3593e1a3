/**
 * The families of the corpus: one official MNIST test digit rendered the ways people produce
 * digit images, or (digit = null) the same kind of picture with no digit on it.
 */
import type { Sharp } from 'sharp';
import {
  dilate,
  inkAsAlpha,
  offCentre,
  placeInk,
  rawImage,
  renderPaper,
  rotateInk,
  scaleDigit,
  toU16,
  toU8,
  type Ink,
  type Look,
  type Rgb,
} from './render.js';
import type { CorpusRng } from './rng.js';

export interface Family {
  readonly name: string;
  readonly what: string;
  readonly ext: string;
  /** a kind of blank picture only (no digit version) */
  readonly blankOnly?: boolean;
  render(digit: Uint8Array | null, rng: CorpusRng): Promise<Buffer>;
}

export const PAPERS: readonly Rgb[] = [
  [246, 245, 240], // white
  [238, 232, 214], // off-white
  [243, 231, 178], // yellowish
  [226, 227, 222], // greyish
];
export const PENS: readonly Rgb[] = [
  [28, 28, 34], // black
  [36, 52, 150], // blue
  [24, 32, 96], // dark blue
];
const BLACK: Rgb = [0, 0, 0];
const WHITE: Rgb = [255, 255, 255];

/** A phone photo of paper; `pen` draws the ink's colour (after the paper's, which keeps a corpus's random sequence). */
export function photoLook(rng: CorpusRng, pen: (rng: CorpusRng) => Rgb = (r) => r.pick(PENS)): Look {
  return {
    paper: rng.pick(PAPERS),
    ink: pen(rng),
    opacity: rng.uniform(0.8, 1),
    exposure: rng.uniform(0.7, 1.05),
    gradient: rng.uniform(0, 0.35),
    angle: rng.uniform(0, 2 * Math.PI),
    vignette: rng.uniform(0, 0.4),
    noise: rng.uniform(2, 7),
    grain: rng.uniform(1, 5),
  };
}

export function scanLook(rng: CorpusRng): Look {
  const paper = rng.uniform(225, 250);
  const ink = rng.uniform(10, 70);
  return {
    paper: [paper, paper, paper],
    ink: [ink, ink, ink],
    opacity: rng.uniform(0.9, 1),
    exposure: 1,
    gradient: rng.uniform(0, 0.05),
    angle: rng.uniform(0, 2 * Math.PI),
    vignette: 0,
    noise: rng.uniform(0.5, 2.5),
    grain: rng.uniform(0, 1.5),
  };
}

/** A screen or board: dark on light or light (chalk) on dark, gentle light. */
function screenLook(rng: CorpusRng): Look {
  const dark = rng.chance(0.5);
  const board: Rgb = rng.pick([
    [40, 55, 45],
    [30, 30, 36],
    [60, 60, 64],
  ]);
  return {
    paper: dark ? board : rng.pick(PAPERS),
    ink: dark ? [236, 236, 226] : rng.pick(PENS),
    opacity: rng.uniform(0.85, 1),
    exposure: rng.uniform(0.85, 1.05),
    gradient: rng.uniform(0, 0.15),
    angle: rng.uniform(0, 2 * Math.PI),
    vignette: rng.uniform(0, 0.15),
    noise: rng.uniform(1, 4),
    grain: rng.uniform(0, 2),
  };
}

/** The digit `k` times larger, turned up to `maxTurn` degrees, off-centre on a larger sheet; null: the sheet alone. */
async function sheet(
  digit: Uint8Array | null,
  rng: CorpusRng,
  k: [number, number],
  maxTurn: number,
  margin: [number, number],
): Promise<Ink> {
  const factor = rng.uniform(...k);
  const turn = rng.uniform(-maxTurn, maxTurn);
  const ink = digit ? await rotateInk(await scaleDigit(digit, factor), turn) : null;
  return offCentre(ink, Math.round(28 * factor), margin, rng);
}

/** Ink on paper as an 8-bit picture: colour or grey by a coin toss (`colour` forces it). */
function onPaper(ink: Ink, look: Look, rng: CorpusRng, colour = rng.chance(0.5)): Sharp {
  const channels = colour ? 3 : 1;
  return rawImage(toU8(renderPaper(ink, look, channels, rng)), ink.width, ink.height, channels);
}

async function photo(digit: Uint8Array | null, rng: CorpusRng, colour?: boolean): Promise<Sharp> {
  const ink = await sheet(digit, rng, [4, 12], 10, [1.2, 2.2]);
  return onPaper(ink, photoLook(rng), rng, colour);
}

async function scan(digit: Uint8Array | null, rng: CorpusRng): Promise<Sharp> {
  const ink = await sheet(digit, rng, [2, 5], 3, [1.1, 1.6]);
  return onPaper(ink, scanLook(rng), rng, false);
}

/** A canvas stroke is solid with a thin anti-aliased edge: steepen the soft edge of the scaled digit. */
function solidify(ink: Ink): Ink {
  return { ...ink, data: ink.data.map((v) => Math.min(255, Math.max(0, (v - 64) * 2))) };
}

const CANVAS_SIDE = 280;

async function canvas(digit: Uint8Array | null, rng: CorpusRng): Promise<Buffer> {
  let placed = placeInk(null, CANVAS_SIDE, CANVAS_SIDE, 0, 0);
  if (digit) {
    const drawn = solidify(dilate(await scaleDigit(digit, rng.uniform(6, 9.5)), rng.uniform(2, 6)));
    placed = placeInk(drawn, CANVAS_SIDE, CANVAS_SIDE, rng.int(0, CANVAS_SIDE - drawn.width), rng.int(0, CANVAS_SIDE - drawn.height));
  }
  const pen = rng.chance(0.5) ? BLACK : WHITE;
  return rawImage(inkAsAlpha(placed, pen, BLACK), CANVAS_SIDE, CANVAS_SIDE, 4)
    .png()
    .toBuffer();
}

async function transparent(digit: Uint8Array | null, rng: CorpusRng): Promise<Buffer> {
  const ink = await sheet(digit, rng, [2, 8], 0, [1.1, 1.8]);
  const pen = rng.chance(0.5) ? BLACK : WHITE;
  // some editors keep the pen colour under transparent pixels, browsers' canvases clear to black
  const clear = rng.chance(0.5) ? pen : BLACK;
  return rawImage(inkAsAlpha(ink, pen, clear), ink.width, ink.height, 4)
    .png()
    .toBuffer();
}

async function png16(digit: Uint8Array | null, rng: CorpusRng): Promise<Buffer> {
  const ink = await sheet(digit, rng, [2, 5], 3, [1.1, 1.6]);
  const levels = toU16(renderPaper(ink, scanLook(rng), 1, rng));
  return rawImage(levels, ink.width, ink.height, 1).toColourspace('grey16').png().toBuffer();
}

async function uniform(level: number): Promise<Buffer> {
  return rawImage(new Uint8Array(CANVAS_SIDE * CANVAS_SIDE).fill(level), CANVAS_SIDE, CANVAS_SIDE, 1)
    .png()
    .toBuffer();
}

export const FAMILIES: readonly Family[] = [
  {
    name: 'photo',
    what: 'JPEG q60-95 of pen on paper: 4-12x, turned <=10 deg, off-centre, uneven light, noise, half in colour',
    ext: 'jpg',
    render: async (d, rng) => (await photo(d, rng)).jpeg({ quality: rng.int(60, 95) }).toBuffer(),
  },
  {
    name: 'scan',
    what: 'grayscale PNG, light paper, 2-5x',
    ext: 'png',
    render: async (d, rng) => (await scan(d, rng)).png().toBuffer(),
  },
  {
    name: 'transparent',
    what: 'RGBA PNG, transparent background, black or white strokes, 2-8x',
    ext: 'png',
    render: transparent,
  },
  {
    name: 'webp',
    what: 'lossy WebP q60-90, dark on light or chalk on dark, 3-8x',
    ext: 'webp',
    render: async (d, rng) => {
      const ink = await sheet(d, rng, [3, 8], 5, [1.2, 2]);
      return onPaper(ink, screenLook(rng), rng)
        .webp({ quality: rng.int(60, 90) })
        .toBuffer();
    },
  },
  {
    name: 'canvas',
    what: '280x280 transparent canvas, strokes thickened by 2-6 px, black or white',
    ext: 'png',
    render: canvas,
  },
  {
    name: 'gif',
    what: 'scan as GIF (palette)',
    ext: 'gif',
    render: async (d, rng) => (await scan(d, rng)).gif().toBuffer(),
  },
  {
    name: 'tiff',
    what: 'scan as LZW TIFF',
    ext: 'tif',
    render: async (d, rng) => (await scan(d, rng)).tiff({ compression: 'lzw' }).toBuffer(),
  },
  {
    name: 'avif',
    what: 'colour photo as AVIF q50-80',
    ext: 'avif',
    render: async (d, rng) => (await photo(d, rng, true)).avif({ quality: rng.int(50, 80), effort: 2 }).toBuffer(),
  },
  {
    name: 'png16',
    what: 'scan as 16-bit grayscale PNG',
    ext: 'png',
    render: png16,
  },
  {
    name: 'cmyk',
    what: 'colour photo as CMYK JPEG',
    ext: 'jpg',
    render: async (d, rng) =>
      (await photo(d, rng, true))
        .toColourspace('cmyk')
        .jpeg({ quality: rng.int(70, 95) })
        .toBuffer(),
  },
  {
    name: 'exif',
    what: 'colour photo stored sideways, EXIF orientation 6',
    ext: 'jpg',
    render: async (d, rng) => {
      // rotate(270) stores the picture turned 90 deg anticlockwise; orientation 6 tells viewers to turn it back
      const upright = await photo(d, rng, true);
      return upright
        .rotate(270)
        .jpeg({ quality: rng.int(70, 95) })
        .withMetadata({ orientation: 6 })
        .toBuffer();
    },
  },
  { name: 'white', what: 'all-white 280x280 PNG', ext: 'png', blankOnly: true, render: () => uniform(255) },
  { name: 'black', what: 'all-black 280x280 PNG', ext: 'png', blankOnly: true, render: () => uniform(0) },
];

export function familyNamed(name: string): Family {
  const family = FAMILIES.find((f) => f.name === name);
  if (!family) throw new Error(`unknown family ${name}; known: ${FAMILIES.map((f) => f.name).join(', ')}`);
  return family;
}

/** `--families a,b` as families, or every family when the option is absent. */
export function selectedFamilies(list: string | undefined): readonly Family[] {
  return list ? list.split(',').map(familyNamed) : FAMILIES;
}
