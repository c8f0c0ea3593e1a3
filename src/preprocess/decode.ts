/**
 * The one module that talks to sharp (libvips). Everything downstream works on plain typed arrays.
 */
import sharp, { type Sharp } from 'sharp';
import { HttpProblem } from '../http/problem.js';
import { placeObject } from './object.js';
import { decodeProblem, refusedFormat } from './decode-problems.js';
import type { DecodeLimits } from './limits.js';
import { sniffImageFormat, type ImageFormat } from './sniff.js';
import { headerSize, jpegHasEnd, type ImageSize } from './dimensions.js';
import type { GreyImage } from './ink.js';
import type { RawImage } from './png.js';
import { greyImageOf, WORKING_SIDE } from './small-decode.js';
import { IMAGE_SIDE, INPUT_SIZE, pixelsToTensor } from './tensor.js';

// libvips keeps recent operations for reuse, and a GIF loader kept holds its whole decoded
// frame: a few large GIFs decoded one after another stayed resident together, while an upload
// is decoded once and never again
sharp.cache(false);

export { DEFAULT_ALLOWED_FORMATS, type DecodeLimits } from './limits.js';

/** Check the bytes are an allowed image format; the problem says which when they are not. */
export function checkImageBytes(bytes: Uint8Array, limits: DecodeLimits): ImageFormat {
  if (bytes.length === 0) throw new HttpProblem('missing_image', 'the image file is empty');
  const format = sniffImageFormat(bytes);
  if (format === undefined) {
    throw new HttpProblem('invalid_image', 'the bytes are not a recognised image format (PNG, JPEG, WebP, GIF, TIFF, AVIF)');
  }
  if (!limits.allowedFormats.has(format)) {
    throw new HttpProblem('unsupported_media_type', refusedFormat(format), { format });
  }
  if (format === 'jpeg' && !jpegHasEnd(bytes)) {
    throw new HttpProblem(
      'invalid_image',
      'the JPEG data could not be decoded: it ends too early (no end marker after the scan): the file is truncated',
      {
        format,
      },
    );
  }
  return format;
}

/**
 * The image's size as its header declares it, checked against the limits before anything is
 * decoded: an allowed format, at most maxInputPixels, not longer than maxAspectRatio times its
 * width (or the other way round). No digit is 40 times as wide as it is tall, while such a
 * strip of a few kilobytes costs libvips a whole frame to decode. dimensions.ts reads the
 * header on this thread; sharp reads the formats it does not.
 */
export async function checkedSize(bytes: Uint8Array, limits: DecodeLimits): Promise<ImageSize> {
  const format = checkImageBytes(bytes, limits);
  const size = headerSize(bytes, format) ?? (await metadataSize(bytes, format));
  const { width, height } = size;
  if (width * height > limits.maxInputPixels) {
    throw new HttpProblem(
      'too_many_pixels',
      `the image declares ${width} x ${height} = ${width * height} pixels; at most ${limits.maxInputPixels} are accepted`,
      { width, height, maxInputPixels: limits.maxInputPixels },
    );
  }
  const ratio = limits.maxAspectRatio;
  if (ratio !== undefined && Math.max(width, height) > ratio * Math.min(width, height)) {
    throw new HttpProblem('extreme_aspect_ratio', `the image is ${width} x ${height}: one side is more than ${ratio} times the other`, {
      width,
      height,
      maxAspectRatio: ratio,
    });
  }
  return size;
}

/** The size libvips reads from the header (in its thread pool), for the formats dimensions.ts does not read. */
async function metadataSize(bytes: Uint8Array, format: ImageFormat): Promise<ImageSize> {
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(bytes, { failOn: 'error', pages: 1, limitInputPixels: false }).metadata());
  } catch (err) {
    throw decodeProblem(err, format);
  }
  if (!width || !height) throw new HttpProblem('invalid_image', `the ${format.toUpperCase()} header declares no size`, { format });
  return { width, height };
}

/**
 * Decodes holding at most this many pixels wait only for a decode slot, never for the
 * process's pixel budget: one takes milliseconds and a few megabytes, DECODE_CONCURRENCY of
 * them bound themselves, and a canvas drawing is then never queued behind a large picture
 * waiting for room.
 */
export const UNBUDGETED_PIXELS = 1_000_000;

/**
 * What decoding an image of this size to fit `side` weighs against the process's pixel budget
 * (inference/limiter.ts): the pixels libvips holds for it. A baseline JPEG is decoded at the
 * scale jpegLoadScale gives, so a phone photo weighs a fraction of its pixels; anything else
 * is decoded whole, a progressive JPEG's coefficients included.
 */
export function budgetedPixels(size: ImageSize, side = WORKING_SIDE): number {
  const scale = size.shrinkOnLoad ? jpegLoadScale(size, side) : 1;
  const pixels = Math.ceil(size.width / scale) * Math.ceil(size.height / scale);
  return pixels > UNBUDGETED_PIXELS ? pixels : 0;
}

/**
 * A JPEG shrink-on-load factor sharp reaches in every pipeline. It asks libjpeg for the largest
 * of 8, 4 and 2 that the resize shrinks by at least (one step less at an exact multiple), where
 * the resize shrinks by the smaller of the two axes' factors: width and height alike to fit
 * `side` (mnist, and the line reader), each to IMAGE_SIDE (plain). Half the smaller of the
 * pipelines' shrinks is a factor it always reaches.
 */
function jpegLoadScale({ width, height }: ImageSize, side: number): number {
  const shrink = Math.min(Math.max(width, height) / side, Math.min(width, height) / IMAGE_SIDE) / 2;
  return shrink >= 8 ? 8 : shrink >= 4 ? 4 : shrink >= 2 ? 2 : 1;
}

/** Decoding options shared by every pipeline: bounded, strict, first frame, upright. */
function openImage(bytes: Uint8Array, limits: DecodeLimits): Sharp {
  // autoOrient applies the EXIF orientation, so a phone photo taken sideways reads upright
  return sharp(bytes, { limitInputPixels: limits.maxInputPixels, failOn: 'error', pages: 1, autoOrient: true });
}

/**
 * The plain pipeline: decode (first frame), resize the whole picture to 28x28, grayscale; levels 0..255.
 * A 28x28 8-bit grayscale or RGB image passes through unresampled, so MNIST files stay bit-exact.
 * Grey comes after the resize (an output colourspace, where `greyscale()` would convert before
 * it): libvips' conversion goes through linear light, which over every pixel of a large
 * picture costs several times its decode, and over 784 costs nothing. A 28x28 picture's levels
 * are the same either way; a larger colour picture's differ by the rounding of averaging before
 * or after the conversion. The resize also lets libvips shrink a JPEG or WebP while loading it.
 */
export async function plainPixels(bytes: Uint8Array, limits: DecodeLimits): Promise<Uint8Array> {
  return (await greyAtMostImageSide(bytes, limits, 'fill')).grey;
}

/**
 * The `plain` profile's pixels: grey, shrunk so its longest side is 28 (never enlarged past it),
 * then made light on dark and centred (object.ts). A 28x28 picture on a dark ground comes out as
 * it went in.
 */
export async function objectPixels(bytes: Uint8Array, limits: DecodeLimits): Promise<Uint8Array> {
  const { grey, width, height } = await greyAtMostImageSide(bytes, limits, 'inside');
  return placeObject(grey, width, height);
}

/** The picture's grey levels resized to 28x28 (`fill`) or to fit inside it (`inside`), by libvips. */
async function greyAtMostImageSide(
  bytes: Uint8Array,
  limits: DecodeLimits,
  fit: 'fill' | 'inside',
): Promise<{ grey: Uint8Array; width: number; height: number }> {
  const format = checkImageBytes(bytes, limits);
  try {
    const { data, info } = await openImage(bytes, limits)
      .resize(IMAGE_SIDE, IMAGE_SIDE, { fit })
      .toColourspace('b-w')
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const side = (n: number) => (fit === 'fill' ? n === IMAGE_SIDE : n >= 1 && n <= IMAGE_SIDE);
    if (!side(info.width) || !side(info.height) || info.channels !== 1) {
      throw new Error(`unexpected decoded shape ${info.width}x${info.height}x${info.channels}`);
    }
    return { grey: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (err) {
    throw decodeProblem(err, format);
  }
}

/** plainPixels / 255. */
export async function plainTensor(bytes: Uint8Array, limits: DecodeLimits): Promise<Float32Array> {
  return pixelsToTensor(await plainPixels(bytes, limits));
}

/**
 * First frame, EXIF orientation applied, shrunk to fit `side` (never enlarged), as 8-bit sRGB
 * with alpha when the file has it; libvips converts CMYK, 16-bit, grey and palette images on
 * the way. Grey levels are computed by the caller rather than by libvips: its greyscale
 * conversion goes through linear light, costs several times the decode itself, and in raw
 * output drops the alpha channel the canvas case needs.
 */
export async function decodeRgb(bytes: Uint8Array, limits: DecodeLimits, side: number): Promise<RawImage> {
  const format = checkImageBytes(bytes, limits);
  try {
    const { data, info } = await openImage(bytes, limits)
      .resize(side, side, { fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      width: info.width,
      height: info.height,
      channels: info.channels as RawImage['channels'],
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (err) {
    throw decodeProblem(err, format);
  }
}

/** The one decode of the normalising pipeline: decodeRgb at WORKING_SIDE, then grey and alpha at most ANALYSIS_SIDE pixels long. */
export async function decodeImage(bytes: Uint8Array, limits: DecodeLimits): Promise<GreyImage> {
  return greyImageOf(await decodeRgb(bytes, limits, WORKING_SIDE));
}

/** A 784-value tensor in 0..1 as a 28x28 grayscale PNG data URL: what the model saw, for debugging. */
export async function tensorToPngDataUrl(tensor: Float32Array): Promise<string> {
  if (tensor.length !== INPUT_SIZE) throw new RangeError(`expected ${INPUT_SIZE} values, got ${tensor.length}`);
  const levels = Buffer.from(Array.from(tensor, (v) => Math.round(255 * Math.min(1, Math.max(0, v)))));
  const png = await sharp(levels, { raw: { width: IMAGE_SIDE, height: IMAGE_SIDE, channels: 1 } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}
