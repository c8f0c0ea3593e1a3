/**
 * Image bytes -> the model's input, with the choice of pipeline:
 * - `plain`: the whole picture resized to 28x28 (right for MNIST-like files);
 * - `mnist`: MNIST's own normalisation of the ink (photos, scans, canvas drawings);
 * - `auto`: `plain` for a 28x28 picture with a dark, opaque background (an MNIST file, read bit
 *   for bit as the book's reference expects), `mnist` for everything else.
 * Errors are HttpProblems (missing_image, invalid_image, unsupported_media_type, too_many_pixels,
 * extreme_aspect_ratio, too_many_pixels_in_request).
 * A picture without a digit is not an error here: `noDigit` says so and the caller decides.
 * Every image's size is read from its header and checked first (sizeImages), then it is
 * decoded one of two ways to one result: small plain PNGs and baseline JPEGs on the calling
 * thread (png.ts, jpeg.ts), the rest by sharp in its thread pool; the pipelines after the
 * decode are the same functions.
 */
import { z } from 'zod';
import { HttpProblem } from '../http/problem.js';
import { checkedSize, decodeImage, objectPixels, plainPixels, type DecodeLimits } from './decode.js';
import { decodeSmallImage, decodeSmallJpeg, greyImageOf } from './small-decode.js';
import type { ImageSize } from './dimensions.js';
import type { RawImage } from './png.js';
import { findInk, type GreyImage, type InkEvidence, type InkFound, type NoDigitReason } from './ink.js';
import { countDigits } from '../read/count.js';
import { mnistPixels } from './normalise.js';
import { IMAGE_SIDE, pixelsToTensor } from './tensor.js';
import { scratchFrame, slabCopyF32, slabU8 } from '../slab.js';

export const PreprocessMode = z.enum(['auto', 'mnist', 'plain']);
export type PreprocessMode = z.infer<typeof PreprocessMode>;

/**
 * How a model's pictures become its inputs. `digits`: the modes above, MNIST's normalisation of
 * the ink and the no-digit rule. `plain`: whatever the mode, the whole picture, grey, its longest
 * side made 28, light on dark, centred (objectPixels): Fashion-MNIST's own layout.
 */
export const PreprocessingProfile = z.enum(['digits', 'plain']);
export type PreprocessingProfile = z.infer<typeof PreprocessingProfile>;

export interface Preprocessed {
  /** the model's input: 784 values in 0..1, white ink on black, row-major 28x28 */
  readonly tensor: Float32Array;
  /** the pipeline actually used (`auto` resolves to one of these) */
  readonly mode: 'mnist' | 'plain';
  /** no digit found: blank, or nearly (see ink.ts for the rule) */
  readonly noDigit: boolean;
  /** why, when noDigit */
  readonly noDigitReason?: NoDigitReason;
  /** how many digits the picture seems to hold, by the shapes of its ink (read/segment.ts countDigits): 0 when noDigit */
  readonly digitsFound: number;
  /** the numbers behind `noDigit`, for debugging */
  readonly evidence: InkEvidence;
}

export interface PreprocessOptions {
  readonly mode: PreprocessMode;
  readonly limits: DecodeLimits;
  /** the model's profile; `digits` when absent */
  readonly profile?: PreprocessingProfile;
}

/**
 * The images of one request, each checked from its header before any is decoded (checkedSize):
 * its size, or its own problem in its place. Throws too_many_pixels_in_request when the sizes
 * of those that pass add up to more than maxRequestPixels: a batch of a few hundred tiny files
 * could otherwise declare minutes of decoding.
 */
export async function sizeImages(images: readonly Uint8Array[], limits: DecodeLimits): Promise<(ImageSize | HttpProblem)[]> {
  const sizes = await Promise.all(
    images.map((bytes) =>
      checkedSize(bytes, limits).catch((err: unknown) => {
        if (err instanceof HttpProblem) return err;
        throw err;
      }),
    ),
  );
  const max = limits.maxRequestPixels;
  const pixels = sizes.reduce((sum, size) => (size instanceof HttpProblem ? sum : sum + size.width * size.height), 0);
  if (max !== undefined && pixels > max) {
    throw new HttpProblem(
      'too_many_pixels_in_request',
      `the images of this request declare ${pixels} pixels together; at most ${max} are accepted in one request`,
      { pixels, maxRequestPixels: max },
    );
  }
  return sizes;
}

/**
 * preprocessImage for a small picture decoded on this thread: a plain PNG (png.ts), with the
 * same result bit for bit, or a baseline JPEG (jpeg.ts) for the normalising pipeline, whose
 * levels are close to sharp's but not equal. Undefined when the file needs sharp (a JPEG that
 * `auto` would read plain included). Never throws: a file it cannot read is sharp's to decode
 * or to refuse. For a file that passed checkedSize (sizeImages), as the callers' files have:
 * what that gate refuses (a JPEG without its end marker, say) is not checked again here.
 */
export function preprocessSmallImage(bytes: Uint8Array, options: PreprocessOptions): Preprocessed | undefined {
  // the plain profile has one decode, sharp's: it is not a digit model's hot path
  if (options.profile === 'plain') return undefined;
  // every array of the work dies with it but the model's input, copied out of the frame
  const result = scratchFrame(() => readSmallImage(bytes, options));
  return result && { ...result, tensor: slabCopyF32(result.tensor) };
}

/** preprocessSmallImage's work, in a scratch frame. */
function readSmallImage(bytes: Uint8Array, options: PreprocessOptions): Preprocessed | undefined {
  const raw = decodeSmallImage(bytes, options.limits);
  const plain = raw && raw.width === IMAGE_SIDE && raw.height === IMAGE_SIDE ? neutralGrey(raw) : undefined;
  if (options.mode === 'plain') return plain && plainResult(plain);
  // neutral grey pixels are their own luma (channels.ts): the levels are already at hand
  const image = plain
    ? { width: IMAGE_SIDE, height: IMAGE_SIDE, grey: plain, alpha: null }
    : raw
      ? greyImageOf(raw)
      : decodeSmallJpeg(bytes, options.limits);
  if (!image) return undefined;
  const found = findInk(image);
  if (options.mode === 'auto' && looksLikeMnist(image, found)) return plain && chosen('plain', plain, found);
  return chosen('mnist', mnistPixels(found), found);
}

/** preprocessImage with every decode by sharp, in its thread pool. */
export async function preprocessWithSharp(bytes: Uint8Array, options: PreprocessOptions): Promise<Preprocessed> {
  if (options.profile === 'plain') return objectResult(await objectPixels(bytes, options.limits));
  if (options.mode === 'plain') return plainResult(await plainPixels(bytes, options.limits));
  const image = await decodeImage(bytes, options.limits);
  const found = findInk(image);
  if (options.mode === 'auto' && looksLikeMnist(image, found)) {
    // plainPixels' own decode, so the tensor is plainTensor's bit for bit whatever the file's
    // colour type or bit depth: a second, cheap decode of a 784-pixel picture
    return chosen('plain', await plainPixels(bytes, options.limits), found);
  }
  return chosen('mnist', mnistPixels(found), found);
}

export async function preprocessImage(bytes: Uint8Array, options: PreprocessOptions): Promise<Preprocessed> {
  const [size] = await sizeImages([bytes], options.limits);
  if (size instanceof HttpProblem) throw size;
  return preprocessSmallImage(bytes, options) ?? preprocessWithSharp(bytes, options);
}

/**
 * plainPixels' levels for a 28x28 picture whose every pixel is grey (one channel, or three
 * equal ones: the RGB PNGs many tools write for grey digits): libvips maps grey g to g exactly
 * (tested over all 256 levels). Colour pixels go through linear light there: undefined.
 */
function neutralGrey(raw: RawImage): Uint8Array | undefined {
  if (raw.channels === 1) return raw.data;
  if (raw.channels !== 3) return undefined;
  const grey = slabU8(raw.width * raw.height);
  for (let i = 0, p = 0; i < grey.length; i++, p += 3) {
    const g = raw.data[p]!;
    if (raw.data[p + 1] !== g || raw.data[p + 2] !== g) return undefined;
    grey[i] = g;
  }
  return grey;
}

/** The plain profile's result: any picture holds an object; there is no no-digit rule. */
function objectResult(pixels: Uint8Array): Preprocessed {
  const found = findInk({ width: IMAGE_SIDE, height: IMAGE_SIDE, grey: pixels, alpha: null });
  return { tensor: pixelsToTensor(pixels), mode: 'plain', noDigit: false, digitsFound: 1, evidence: found.evidence };
}

/** The plain pipeline's result: the no-digit verdict is read from the 28x28 picture itself. */
function plainResult(pixels: Uint8Array): Preprocessed {
  return chosen('plain', pixels, findInk({ width: IMAGE_SIDE, height: IMAGE_SIDE, grey: pixels, alpha: null }));
}

function chosen(mode: Preprocessed['mode'], pixels: Uint8Array, found: InkFound): Preprocessed {
  return {
    tensor: pixelsToTensor(pixels),
    mode,
    noDigit: found.box === null,
    ...(found.why && { noDigitReason: found.why }),
    digitsFound: countDigits(found),
    evidence: found.evidence,
  };
}

function looksLikeMnist(image: GreyImage, found: InkFound): boolean {
  return image.width === IMAGE_SIDE && image.height === IMAGE_SIDE && !found.fromAlpha && !found.lightBackground;
}
