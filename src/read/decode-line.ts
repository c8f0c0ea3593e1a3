/**
 * The decode for reading a whole number: like decodeImage (preprocess/decode.ts) but at a
 * resolution a line of digits survives. /predict's ANALYSIS_SIDE leaves each of eight digits
 * a few pixels wide; LINE_SIDE keeps a phone photo's line of digits about at its drawn size.
 */
import { splitChannels } from '../preprocess/channels.js';
import { decodeRgb, type DecodeLimits } from '../preprocess/decode.js';
import { SMALL_JPEG_MAX_PIXELS } from '../preprocess/small-decode.js';
import type { GreyImage } from '../preprocess/ink.js';
import type { ImageSize } from '../preprocess/dimensions.js';
import { decodeJpegGrey } from '../preprocess/jpeg.js';

/** longest side, in pixels, a picture is shrunk to (never enlarged) */
export const LINE_SIDE = 1024;

/** decodeRgb at LINE_SIDE, as grey levels and alpha at that size. */
export async function decodeLine(bytes: Uint8Array, limits: DecodeLimits): Promise<GreyImage> {
  const { data, width, height, channels } = await decodeRgb(bytes, limits, LINE_SIDE);
  return splitChannels(data, width, height, channels);
}

/**
 * A small baseline JPEG's grey levels read on this thread (jpeg.ts), as /predict reads a small
 * JPEG; undefined sends the file to decodeLine (`size` is its header's: sizeImages). Only a
 * picture decodeLine would not shrink: the two then have the same size, and levels within a few
 * of each other (Y against RGB weighted back to grey, see jpeg.ts). A cropped photo of a number
 * is usually such a file, and sharp's thread hop and colour decode cost more than reading it.
 */
export function decodeSmallLine(bytes: Uint8Array, size: ImageSize, limits: DecodeLimits): GreyImage | undefined {
  if (!limits.allowedFormats.has('jpeg') || Math.max(size.width, size.height) > LINE_SIDE) return undefined;
  const grey = decodeJpegGrey(bytes, Math.min(SMALL_JPEG_MAX_PIXELS, limits.maxInputPixels), () => 1);
  return grey && { width: grey.width, height: grey.height, grey: grey.data, alpha: null };
}
