/**
 * Drawing MNIST digits the way people's images look: scaled up with smooth edges, turned a
 * little, thickened like a canvas stroke, laid on paper under uneven light with sensor noise.
 * Ink maps follow MNIST's convention (0..255, bright = ink); pictures are float levels 0..255,
 * channels interleaved, until an encoder rounds them.
 */
import sharp, { type Sharp } from 'sharp';
import type { CorpusRng } from './rng.js';

export interface Ink {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export type Rgb = readonly [number, number, number];

/** A 28x28 digit at `factor` times its size; Mitchell's filter gives pen-like soft edges without ringing. */
export async function scaleDigit(digit: Uint8Array, factor: number): Promise<Ink> {
  const side = Math.round(28 * factor);
  const data = await sharp(Buffer.from(digit), { raw: { width: 28, height: 28, channels: 1 } })
    .resize(side, side, { kernel: 'mitchell' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  return { width: side, height: side, data: new Uint8Array(data) };
}

/** Turned by `degrees` (clockwise), on a canvas grown to hold it. */
export async function rotateInk(ink: Ink, degrees: number): Promise<Ink> {
  const { data, info } = await sharp(Buffer.from(ink.data), { raw: { width: ink.width, height: ink.height, channels: 1 } })
    .rotate(degrees, { background: { r: 0, g: 0, b: 0 } })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/**
 * Maximum over a disc of `radius` pixels: a thicker pen. The disc is a stack of rows of
 * half-widths `half(dy)`; rows[k] holds the picture dilated horizontally by k, each built from
 * the previous one, so the cost is O(pixels x radius) rather than O(pixels x radius^2).
 */
export function dilate(ink: Ink, radius: number): Ink {
  const { width: w, height: h } = ink;
  const r = Math.floor(radius);
  const rows: Uint8Array[] = [ink.data];
  for (let k = 1; k <= r; k++) {
    const prev = rows[k - 1]!;
    const next = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0, p = y * w; x < w; x++, p++) {
        next[p] = Math.max(prev[p]!, x > 0 ? prev[p - 1]! : 0, x < w - 1 ? prev[p + 1]! : 0);
      }
    }
    rows.push(next);
  }
  const out = new Uint8Array(w * h);
  for (let dy = -r; dy <= r; dy++) {
    const row = rows[Math.floor(Math.sqrt(radius * radius - dy * dy))]!;
    for (let y = Math.max(0, -dy); y < Math.min(h, h - dy); y++) {
      for (let x = 0, p = y * w, q = (y + dy) * w; x < w; x++, p++, q++) if (row[q]! > out[p]!) out[p] = row[q]!;
    }
  }
  return { width: w, height: h, data: out };
}

/** `ink` on a blank width x height canvas at (x, y); null ink gives the blank canvas. */
export function placeInk(ink: Ink | null, width: number, height: number, x: number, y: number): Ink {
  const out = new Uint8Array(width * height);
  if (ink) {
    for (let r = 0; r < ink.height; r++) out.set(ink.data.subarray(r * ink.width, (r + 1) * ink.width), (y + r) * width + x);
  }
  return { width, height, data: out };
}

/** A canvas `margin` times the ink's size in each direction, with the ink anywhere on it. */
export function offCentre(ink: Ink | null, side: number, margin: [number, number], rng: CorpusRng): Ink {
  const width = Math.round(side * rng.uniform(...margin));
  const height = Math.round(side * rng.uniform(...margin));
  if (!ink) return placeInk(null, width, height, 0, 0);
  const w = Math.max(width, ink.width);
  const h = Math.max(height, ink.height);
  return placeInk(ink, w, h, rng.int(0, w - ink.width), rng.int(0, h - ink.height));
}

export interface Look {
  readonly paper: Rgb;
  readonly ink: Rgb;
  /** how much of the paper a full-strength stroke hides */
  readonly opacity: number;
  readonly exposure: number;
  /** brightness change across the picture along a random direction, relative */
  readonly gradient: number;
  readonly angle: number;
  /** relative darkening in the corners */
  readonly vignette: number;
  /** per-pixel sensor noise, levels (standard deviation) */
  readonly noise: number;
  /** paper grain: smooth blotches of this standard deviation, levels */
  readonly grain: number;
}

/** Smooth noise: normal values on a coarse lattice, interpolated bilinearly. */
function grainField(width: number, height: number, step: number, rng: CorpusRng): Float32Array {
  const gw = Math.ceil(width / step) + 2;
  const gh = Math.ceil(height / step) + 2;
  const lattice = Float32Array.from({ length: gw * gh }, () => rng.normal());
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = Math.floor(y / step);
    const fy = y / step - gy;
    for (let x = 0; x < width; x++) {
      const gx = Math.floor(x / step);
      const fx = x / step - gx;
      const i = gy * gw + gx;
      const top = lattice[i]! + fx * (lattice[i + 1]! - lattice[i]!);
      const bottom = lattice[i + gw]! + fx * (lattice[i + gw + 1]! - lattice[i + gw]!);
      out[y * width + x] = top + fy * (bottom - top);
    }
  }
  return out;
}

/** Ink on paper under `look`'s light, with noise: float levels, 1 (grey) or 3 (RGB) channels. */
export function renderPaper(ink: Ink, look: Look, channels: 1 | 3, rng: CorpusRng): Float32Array {
  const { width: w, height: h } = ink;
  const grain = grainField(w, h, Math.max(3, Math.round(Math.max(w, h) / 60)), rng);
  const out = new Float32Array(w * h * channels);
  const grey = (c: Rgb) => 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
  const paper = channels === 1 ? [grey(look.paper)] : look.paper;
  const inkColour = channels === 1 ? [grey(look.ink)] : look.ink;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const reach = Math.hypot(cx, cy) || 1;
  const dx = Math.cos(look.angle);
  const dy = Math.sin(look.angle);
  for (let y = 0; y < h; y++) {
    const v = (y - cy) / reach;
    for (let x = 0; x < w; x++) {
      const u = (x - cx) / reach;
      const light = look.exposure * (1 + look.gradient * (u * dx + v * dy)) * (1 - look.vignette * (u * u + v * v));
      const a = (look.opacity * ink.data[y * w + x]!) / 255;
      // one noise draw per pixel, shared by the channels: luminance noise is what a camera's JPEG keeps
      const speckle = look.grain * grain[y * w + x]! + look.noise * rng.normal();
      for (let c = 0; c < channels; c++) {
        const lit = light * (paper[c]! * (1 - a) + inkColour[c]! * a) + speckle;
        out[(y * w + x) * channels + c] = lit < 0 ? 0 : lit > 255 ? 255 : lit;
      }
    }
  }
  return out;
}

/** Float levels 0..255 -> 8-bit (a plain loop: TypedArray.from with a callback is far slower). */
export function toU8(levels: Float32Array): Uint8Array {
  const out = new Uint8Array(levels.length);
  for (let i = 0; i < levels.length; i++) out[i] = Math.round(levels[i]!);
  return out;
}

/** Float levels 0..255 -> 16-bit 0..65535. */
export function toU16(levels: Float32Array): Uint16Array {
  const out = new Uint16Array(levels.length);
  for (let i = 0; i < levels.length; i++) out[i] = Math.round(levels[i]! * 257);
  return out;
}

/** A raw picture as a sharp pipeline, ready for an encoder. */
export function rawImage(pixels: Uint8Array | Uint16Array, width: number, height: number, channels: 1 | 2 | 3 | 4): Sharp {
  return sharp(pixels, { raw: { width, height, channels } });
}

/** RGBA where alpha is the ink and the colour is `colour` (what a canvas exports). */
export function inkAsAlpha(ink: Ink, colour: Rgb, clearColour: Rgb): Uint8Array {
  const out = new Uint8Array(ink.width * ink.height * 4);
  for (let i = 0; i < ink.data.length; i++) {
    const a = ink.data[i]!;
    const c = a > 0 ? colour : clearColour;
    out.set([c[0], c[1], c[2], a], i * 4);
  }
  return out;
}
