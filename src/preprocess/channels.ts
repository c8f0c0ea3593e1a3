/** Interleaved 8-bit pixels -> grey levels and alpha, as the ink finder wants them. */
import type { GreyImage } from './ink.js';

/**
 * ITU-R BT.601 luma weights in 16-bit fixed point (0.299, 0.587, 0.114). They sum to exactly
 * 65536, so a grey pixel (r = g = b) keeps its level exactly.
 */
const LUMA_R = 19595;
const LUMA_G = 38470;
const LUMA_B = 7471;

/** 1 (grey), 2 (grey, alpha), 3 (RGB) or 4 (RGBA) interleaved channels. */
export function splitChannels(data: Uint8Array, width: number, height: number, channels: number): GreyImage {
  const n = width * height;
  const grey = new Uint8Array(n);
  const hasAlpha = channels === 2 || channels === 4;
  const alpha = hasAlpha ? new Uint8Array(n) : null;
  for (let i = 0, p = 0; i < n; i++, p += channels) {
    grey[i] = channels >= 3 ? (LUMA_R * data[p]! + LUMA_G * data[p + 1]! + LUMA_B * data[p + 2]! + 32768) >>> 16 : data[p]!;
    if (alpha) alpha[i] = data[p + channels - 1]!;
  }
  return { width, height, grey, alpha };
}
