/**
 * The decode for reading a whole number: like decodeImage (preprocess/decode.ts) but at a
 * resolution a line of digits survives. /predict's ANALYSIS_SIDE leaves each of eight digits
 * a few pixels wide; LINE_SIDE keeps a phone photo's line of digits about at its drawn size.
 */
import { splitChannels } from '../preprocess/channels.js';
import { decodeRgb, type DecodeLimits } from '../preprocess/decode.js';
import type { GreyImage } from '../preprocess/ink.js';

/** longest side, in pixels, a picture is shrunk to (never enlarged) */
export const LINE_SIDE = 1024;

/** decodeRgb at LINE_SIDE, as grey levels and alpha at that size. */
export async function decodeLine(bytes: Uint8Array, limits: DecodeLimits): Promise<GreyImage> {
  const { data, width, height, channels } = await decodeRgb(bytes, limits, LINE_SIDE);
  return splitChannels(data, width, height, channels);
}
