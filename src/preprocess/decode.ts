/**
 * The one module that talks to sharp (libvips). Everything downstream works on plain typed arrays.
 */
import sharp from 'sharp';
import { HttpProblem } from '../http/problem.js';
import { sniffImageFormat, type ImageFormat } from './sniff.js';
import { IMAGE_SIDE, pixelsToTensor } from './tensor.js';

export interface DecodeLimits {
  /** width x height above which an image is refused before its pixels are decoded */
  readonly maxInputPixels: number;
  readonly allowedFormats: ReadonlySet<ImageFormat>;
}

export const DEFAULT_ALLOWED_FORMATS: ReadonlySet<ImageFormat> = new Set(['png', 'jpeg', 'webp', 'gif', 'tiff', 'avif']);

/** Check the bytes are an allowed image format; the problem says which when they are not. */
export function checkImageBytes(bytes: Uint8Array, limits: DecodeLimits): ImageFormat {
  if (bytes.length === 0) throw new HttpProblem('missing_image', 'the image file is empty');
  const format = sniffImageFormat(bytes);
  if (format === undefined) {
    throw new HttpProblem('invalid_image', 'the bytes are not a recognised image format (PNG, JPEG, WebP, GIF, TIFF, AVIF)');
  }
  if (!limits.allowedFormats.has(format)) {
    throw new HttpProblem('unsupported_media_type', `${format.toUpperCase()} images are not accepted here`, { format });
  }
  return format;
}

/** Translate libvips' messages into problems a client can act on. */
function decodeProblem(err: unknown, format: ImageFormat): HttpProblem {
  const message = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(message)) {
    return new HttpProblem('too_many_pixels', 'the image declares more pixels than the limit');
  }
  return new HttpProblem('invalid_image', `the ${format.toUpperCase()} data could not be decoded: ${message.split('\n')[0]}`, { format });
}

/**
 * The plain pipeline: decode (first frame), grayscale, resize the whole picture to 28x28, / 255.
 * A 28x28 8-bit grayscale or RGB image passes through unresampled, so MNIST files stay bit-exact.
 */
export async function plainTensor(bytes: Uint8Array, limits: DecodeLimits): Promise<Float32Array> {
  const format = checkImageBytes(bytes, limits);
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: limits.maxInputPixels, failOn: 'error', pages: 1 })
      .greyscale()
      .resize(IMAGE_SIDE, IMAGE_SIDE, { fit: 'fill' })
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.width !== IMAGE_SIDE || info.height !== IMAGE_SIDE || info.channels !== 1) {
      throw new Error(`unexpected decoded shape ${info.width}x${info.height}x${info.channels}`);
    }
    return pixelsToTensor(data);
  } catch (err) {
    throw decodeProblem(err, format);
  }
}
