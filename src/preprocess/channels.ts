/**
 * Interleaved 8-bit pixels -> grey levels and alpha, as the ink finder wants them, optionally
 * shrunk by a whole factor on the way (each output pixel the mean of a factor x factor block):
 * one pass over the decoded bytes whatever the factor.
 */
import type { GreyImage } from './ink.js';
import { slabU32, slabU8 } from '../slab.js';

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
  const grey = slabU8(w * h);
  const alpha = hasAlpha ? slabU8(w * h) : null;
  // sums of the current row of blocks, one per output column
  const greySum = slabU32(w);
  const alphaSum = slabU32(w);
  const a = channels - 1;
  for (let by = 0; by < h; by++) {
    greySum.fill(0);
    alphaSum.fill(0);
    const y1 = Math.min(height, (by + 1) * factor);
    for (let y = by * factor; y < y1; y++) {
      let p = y * width * channels;
      for (let bx = 0; bx < w; bx++) {
        const x1 = Math.min(width, (bx + 1) * factor);
        let g = 0;
        if (channels >= 3) {
          for (let x = bx * factor; x < x1; x++, p += channels) {
            g += (LUMA_R * data[p]! + LUMA_G * data[p + 1]! + LUMA_B * data[p + 2]! + 32768) >>> 16;
          }
        } else {
          for (let x = bx * factor; x < x1; x++, p += channels) g += data[p]!;
        }
        greySum[bx]! += g;
        if (hasAlpha) {
          let s = 0;
          for (let x = bx * factor, q = p - (x1 - x) * channels + a; x < x1; x++, q += channels) s += data[q]!;
          alphaSum[bx]! += s;
        }
      }
    }
    // blocks on the right and bottom edges may be cut short
    const rows = y1 - by * factor;
    for (let bx = 0, o = by * w; bx < w; bx++, o++) {
      const n = (Math.min(width, (bx + 1) * factor) - bx * factor) * rows;
      grey[o] = Math.round(greySum[bx]! / n);
      if (alpha) alpha[o] = Math.round(alphaSum[bx]! / n);
    }
  }
  return { width: w, height: h, grey, alpha };
}

/** The same without shrinking: one pixel in, one out, no sums (most small uploads take this path). */
function splitFullSize(data: Uint8Array, width: number, height: number, channels: number): GreyImage {
  const n = width * height;
  if (channels === 1) return { width, height, grey: data, alpha: null };
  const grey = slabU8(n);
  const alpha = channels === 2 || channels === 4 ? slabU8(n) : null;
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
