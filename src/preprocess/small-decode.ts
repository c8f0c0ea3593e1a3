/**
 * The sizes the normalising pipeline works at, and the small pictures decoded on the calling
 * thread to what decode.ts's decodeImage gives: plain PNGs (png.ts) bit for bit, baseline JPEGs
 * (jpeg.ts) at close levels. No sharp here.
 */
import { splitChannels } from './channels.js';
import type { DecodeLimits } from './limits.js';
import type { GreyImage } from './ink.js';
import { decodeJpegGrey, type JpegScale } from './jpeg.js';
import { decodeSmallPng, type RawImage } from './png.js';

/**
 * Longest side, in pixels, libvips shrinks a picture to (a JPEG mostly for free, on load); 320
 * lets a 280x280 canvas through without a resampling pass.
 */
export const WORKING_SIDE = 320;
/**
 * Longest side the JavaScript steps work at, at most: larger pictures are averaged down by a
 * whole factor in the pass that reads the decoded bytes (a 280x280 canvas by 2, to 140x140).
 * A digit ends up 20 pixels tall; a digit filling half of 160 pixels still has 4 source
 * pixels per output pixel, and four times fewer pixels make every step four times cheaper.
 */
export const ANALYSIS_SIDE = 160;

/**
 * Pictures of at most this many pixels that png.ts reads are decoded on the calling thread,
 * without a trip to libvips' threads: a 128x128 RGBA PNG inflates and unfilters in far less
 * time than the hop takes, so the event loop never waits long, while larger pictures (a
 * 280x280 canvas) cost more to decode than the hop saves (figures: docs/PREPROCESSING.md).
 */
export const SMALL_PNG_MAX_PIXELS = 128 * 128;

/**
 * The file's pixels when it is a small plain PNG that png.ts reads exactly as libvips does
 * (within the limits: PNG allowed, not over the pixel limit); undefined sends it to sharp.
 */
export function decodeSmallImage(bytes: Uint8Array, limits: DecodeLimits): RawImage | undefined {
  if (!limits.allowedFormats.has('png')) return undefined;
  const raw = decodeSmallPng(bytes, Math.min(SMALL_PNG_MAX_PIXELS, limits.maxInputPixels));
  // a long thin strip libvips would shrink to WORKING_SIDE: leave it to libvips
  return raw && Math.max(raw.width, raw.height) <= WORKING_SIDE ? raw : undefined;
}

/**
 * JPEGs of at most this many pixels that jpeg.ts reads are decoded on the calling thread. Its
 * cost follows the file's size; up to this size it stays a fraction of sharp's decode, and the
 * JavaScript normalisation after either decode holds the event loop about as long.
 */
export const SMALL_JPEG_MAX_PIXELS = 640 * 640;

/**
 * decodeImage's grey levels for a small JPEG that jpeg.ts reads (within the limits: JPEG
 * allowed, not over the pixel limit), decoded at the power-of-two scale nearest below the
 * analysis size and averaged down for the rest; undefined sends it to sharp. Close to
 * decodeImage's levels, not equal (see jpeg.ts): only for the normalising pipeline.
 */
export function decodeSmallJpeg(bytes: Uint8Array, limits: DecodeLimits): GreyImage | undefined {
  if (!limits.allowedFormats.has('jpeg')) return undefined;
  const grey = decodeJpegGrey(bytes, Math.min(SMALL_JPEG_MAX_PIXELS, limits.maxInputPixels), analysisScale);
  return grey && splitChannels(grey.data, grey.width, grey.height, 1, analysisFactor(grey.width, grey.height));
}

/** The whole factor by which a picture is averaged down to at most ANALYSIS_SIDE pixels long. */
const analysisFactor = (width: number, height: number) => Math.ceil(Math.max(width, height) / ANALYSIS_SIDE);

/** The largest JPEG scale that does not go below the analysis size averaging would give. */
function analysisScale(width: number, height: number): JpegScale {
  const factor = analysisFactor(width, height);
  return factor >= 8 ? 8 : factor >= 4 ? 4 : factor >= 2 ? 2 : 1;
}

/** decodeImage's result for pixels decoded some other way (never larger than WORKING_SIDE: no resampling). */
export function greyImageOf(raw: RawImage): GreyImage {
  return splitChannels(raw.data, raw.width, raw.height, raw.channels, analysisFactor(raw.width, raw.height));
}
