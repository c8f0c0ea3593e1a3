/**
 * Interleaved 8-bit pixels -> grey levels and alpha, as the ink finder wants them, optionally
 * shrunk by a whole factor on the way (each output pixel the mean of a factor x factor block):
 * one pass over the decoded bytes whatever the factor.
 */
import type { GreyImage } from './ink.js';

/**
 * ITU-R BT.601 luma weights in 16-bit fixed point (0.299, 0.587, 0.114). They sum to exactly
 * 65536, so a grey pixel (r = g = b) keeps its level exactly.
 */
const LUMA_R = 19595;
const LUMA_G = 38470;
const LUMA_B = 7471;

/** 1 (grey), 2 (grey, alpha), 3 (RGB) or 4 (RGBA) interleaved channels; `factor` 1 keeps the size. */
export function splitChannels(data: Uint8Array, width: number, height: number, channels: number, factor = 1): GreyImage {
  if (factor === 1) return splitFullSize(data, width, height, channels);
  const w = Math.ceil(width / factor);
  const h = Math.ceil(height / factor);
  const hasAlpha = channels === 2 || channels === 4;
  const greySum = new Uint32Array(w * h);
  const alphaSum = hasAlpha ? new Uint32Array(w * h) : null;
  const column = Int32Array.from({ length: width }, (_, x) => Math.floor(x / factor));
  for (let y = 0, p = 0; y < height; y++) {
    const row = Math.floor(y / factor) * w;
    for (let x = 0; x < width; x++, p += channels) {
      const o = row + column[x]!;
      greySum[o]! += channels >= 3 ? (LUMA_R * data[p]! + LUMA_G * data[p + 1]! + LUMA_B * data[p + 2]! + 32768) >>> 16 : data[p]!;
      if (alphaSum) alphaSum[o]! += data[p + channels - 1]!;
    }
  }
  // blocks on the right and bottom edges may be cut short
  const count = (x: number, y: number) =>
    (Math.min(width, (x + 1) * factor) - x * factor) * (Math.min(height, (y + 1) * factor) - y * factor);
  const grey = new Uint8Array(w * h);
  const alpha = alphaSum ? new Uint8Array(w * h) : null;
  for (let y = 0, o = 0; y < h; y++) {
    for (let x = 0; x < w; x++, o++) {
      const n = count(x, y);
      grey[o] = Math.round(greySum[o]! / n);
      if (alpha) alpha[o] = Math.round(alphaSum![o]! / n);
    }
  }
  return { width: w, height: h, grey, alpha };
}

/** The same without shrinking: one pixel in, one out, no sums (most small uploads take this path). */
function splitFullSize(data: Uint8Array, width: number, height: number, channels: number): GreyImage {
  const n = width * height;
  if (channels === 1) return { width, height, grey: data, alpha: null };
  const grey = new Uint8Array(n);
  const alpha = channels === 2 || channels === 4 ? new Uint8Array(n) : null;
  if (channels >= 3) {
    for (let i = 0, p = 0; i < n; i++, p += channels) {
      grey[i] = (LUMA_R * data[p]! + LUMA_G * data[p + 1]! + LUMA_B * data[p + 2]! + 32768) >>> 16;
    }
  } else {
    for (let i = 0, p = 0; i < n; i++, p += 2) grey[i] = data[p]!;
  }
  if (alpha) for (let i = 0, p = channels - 1; i < n; i++, p += channels) alpha[i] = data[p]!;
  return { width, height, grey, alpha };
}
