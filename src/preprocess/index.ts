/**
 * Image bytes -> the model's input, with the choice of pipeline:
 * - `plain`: the whole picture resized to 28x28 (right for MNIST-like files);
 * - `mnist`: MNIST's own normalisation of the ink (photos, scans, canvas drawings);
 * - `auto`: `plain` for a 28x28 picture with a dark, opaque background (an MNIST file, read bit
 *   for bit as the book's reference expects), `mnist` for everything else.
 * Errors are HttpProblems (missing_image, invalid_image, unsupported_media_type, too_many_pixels).
 * A picture without a digit is not an error here: `noDigit` says so and the caller decides.
 */
import { z } from 'zod';
import { decodeImage, plainPixels, type DecodeLimits } from './decode.js';
import { findInk, type GreyImage, type InkEvidence } from './ink.js';
import { mnistPixels } from './normalise.js';
import { IMAGE_SIDE, pixelsToTensor } from './tensor.js';

export const PreprocessMode = z.enum(['auto', 'mnist', 'plain']);
export type PreprocessMode = z.infer<typeof PreprocessMode>;

export interface Preprocessed {
  /** the model's input: 784 values in 0..1, white ink on black, row-major 28x28 */
  readonly tensor: Float32Array;
  /** the pipeline actually used (`auto` resolves to one of these) */
  readonly mode: 'mnist' | 'plain';
  /** no digit found: blank, or nearly (see ink.ts for the rule) */
  readonly noDigit: boolean;
  /** the numbers behind `noDigit`, for debugging */
  readonly evidence: InkEvidence;
}

export interface PreprocessOptions {
  readonly mode: PreprocessMode;
  readonly limits: DecodeLimits;
}

export async function preprocessImage(bytes: Uint8Array, options: PreprocessOptions): Promise<Preprocessed> {
  if (options.mode === 'plain') {
    const pixels = await plainPixels(bytes, options.limits);
    const found = findInk({ width: IMAGE_SIDE, height: IMAGE_SIDE, grey: pixels, alpha: null });
    return { tensor: pixelsToTensor(pixels), mode: 'plain', noDigit: found.box === null, evidence: found.evidence };
  }
  const image = await decodeImage(bytes, options.limits);
  const found = findInk(image);
  const verdict = { noDigit: found.box === null, evidence: found.evidence };
  if (options.mode === 'auto' && looksLikeMnist(image, found.fromAlpha, found.lightBackground)) {
    // plainPixels' own decode, so the tensor is plainTensor's bit for bit whatever the file's
    // colour type or bit depth: a second, cheap decode of a 784-pixel picture
    return { tensor: pixelsToTensor(await plainPixels(bytes, options.limits)), mode: 'plain', ...verdict };
  }
  return { tensor: pixelsToTensor(mnistPixels(found)), mode: 'mnist', ...verdict };
}

function looksLikeMnist(image: GreyImage, fromAlpha: boolean, lightBackground: boolean): boolean {
  return image.width === IMAGE_SIDE && image.height === IMAGE_SIDE && !fromAlpha && !lightBackground;
}
