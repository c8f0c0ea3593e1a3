/**
 * Items in, predictions out: check every image's size from its header, turn each item into the
 * model's input (small PNGs and JPEGs at once on this thread, other images decoded by sharp in
 * bounded concurrency, weighed by their pixels), stack every good
 * tensor into one batch, run one forward pass, and put each answer (or each item's problem)
 * back in its place.
 */
import type { PredictOptions } from '../http/input-schemas.js';
import type { ItemOrProblem, InputItem } from '../http/inputs.js';
import { HttpProblem } from '../http/problem.js';
import { predictBatch, type ClassPrediction } from '../model/predict.js';
import type { LoadedModel } from '../model/weights/types.js';
import { budgetedPixels, tensorToPngDataUrl, type DecodeLimits } from '../preprocess/decode.js';
import type { ImageSize } from '../preprocess/dimensions.js';
import {
  preprocessSmallImage,
  preprocessWithSharp,
  sizeImages,
  type PreprocessMode,
  type PreprocessingProfile,
  type PreprocessOptions,
  type Preprocessed,
} from '../preprocess/index.js';
import { findInk, type InkFound, type NoDigitReason } from '../preprocess/ink.js';
import { IMAGE_SIDE, stackRows } from '../preprocess/tensor.js';
import { countDigits } from '../read/count.js';
import { runOrShed } from './decode-slots.js';
import type { Limiter } from './limiter.js';
import { mapInTurns } from './turns.js';

/** What the model received, for `debug=1`. */
export interface ModelInput {
  readonly mode: 'mnist' | 'plain' | 'pixels';
  readonly tensor: Float32Array;
  readonly digitsFound: number;
}

export interface Prediction extends ClassPrediction {
  readonly digitsFound: number;
  readonly warning?: string;
  readonly debug?: { mode: ModelInput['mode']; tensor: number[]; png: string };
}

const NO_DIGIT_BECAUSE: Record<NoDigitReason, string> = {
  blank: 'nothing stands out from the background: the picture is blank or nearly blank',
  noise: "nothing stands out from the picture's own grain or noise as pen strokes do",
  speck: 'only specks, too small to be a digit',
  dot: 'one dot or blot, not the strokes of a digit',
};

/**
 * The one problem both upload routes answer for a picture with no digit in it, saying what was
 * found instead; `plain`: the picture went through preprocess=plain, which a photo rarely survives.
 */
export function noDigit(reason?: NoDigitReason, plain = false): HttpProblem {
  const found = reason === undefined ? 'no digit found in the picture' : `no digit found: ${NO_DIGIT_BECAUSE[reason]}`;
  const hint = plain
    ? ' (preprocess=plain resizes the whole picture to 28x28; for a photo, a scan or a drawing, leave preprocess at auto)'
    : '';
  return new HttpProblem('no_digit', found + hint, reason === undefined ? {} : { reason });
}

export type ItemResult = Prediction | HttpProblem;

export class Predictor {
  constructor(
    readonly model: LoadedModel,
    private readonly limits: DecodeLimits,
    private readonly decodeSlots: Limiter,
    /** `plain`: every picture read whole (objectPixels), and no no-digit rule */
    private readonly profile: PreprocessingProfile = 'digits',
  ) {}

  /** The model's input for every item, images decoded in bounded concurrency, admitted as one group. */
  private async modelInputs(items: readonly ItemOrProblem[], mode: PreprocessMode): Promise<(ModelInput | HttpProblem)[]> {
    const images = items.filter(
      (item): item is Extract<InputItem, { kind: 'image' }> => !(item instanceof HttpProblem) && item.kind === 'image',
    );
    const options = { mode, limits: this.limits, profile: this.profile };
    // every size checked before anything is decoded; a refused image is not decoded at all
    const sizes = await sizeImages(
      images.map((item) => item.bytes),
      this.limits,
    );
    const prepared = await preprocessPictures(
      this.decodeSlots,
      images.map((item, i) => {
        const size = sizes[i]!;
        return size instanceof HttpProblem ? undefined : { bytes: item.bytes, size };
      }),
      options,
    );
    let image = 0;
    return Promise.all(
      items.map(async (item): Promise<ModelInput | HttpProblem> => {
        if (item instanceof HttpProblem) return item;
        if (item.kind === 'tensor') return { mode: 'pixels', tensor: item.pixels, digitsFound: 1 };
        if (item.kind === 'pixels' && this.profile === 'plain') return { mode: 'pixels', tensor: item.pixels, digitsFound: 1 };
        if (item.kind === 'pixels') {
          // the rule an image of the same pixels meets: 784 zeros are no digit, not a confident 5
          const found = inkInPixels(item.pixels);
          if (found.box === null) return noDigit(found.why);
          return { mode: 'pixels', tensor: item.pixels, digitsFound: countDigits(found) };
        }
        const i = image++;
        const size = sizes[i]!;
        if (size instanceof HttpProblem) return size;
        const result = await prepared[i]!;
        if (result instanceof HttpProblem) return result;
        // a blank image is the problem `no_digit`, not a confident guess
        if (result.noDigit) return noDigit(result.noDigitReason, mode === 'plain');
        return { mode: result.mode, tensor: result.tensor, digitsFound: result.digitsFound };
      }),
    );
  }

  async predictOne(item: InputItem, options: PredictOptions): Promise<Prediction> {
    const [result] = await this.predictMany([item], options);
    if (result instanceof HttpProblem) throw result;
    return result!;
  }

  async predictMany(items: readonly ItemOrProblem[], options: PredictOptions): Promise<ItemResult[]> {
    const inputs = await this.modelInputs(items, options.preprocess);
    const good = inputs.filter((t): t is ModelInput => !(t instanceof HttpProblem));
    const predictions = good.length ? predictBatch(this.model.mlp, stackRows(good.map((g) => g.tensor)), good.length) : [];
    const debug = options.debug ? await Promise.all(good.map((g) => debugView(g))) : [];
    let next = 0;
    return inputs.map((input) => {
      if (input instanceof HttpProblem) return input;
      const i = next++;
      const found = { ...predictions[i]!, digitsFound: input.digitsFound, ...severalDigitsWarning(input.digitsFound) };
      return options.debug ? { ...found, debug: debug[i]! } : found;
    });
  }
}

/** A picture to preprocess: its bytes and the size its header declares (sizeImages). */
export interface SizedPicture {
  readonly bytes: Buffer;
  readonly size: ImageSize;
}

/**
 * Each picture's preprocessing, or its problem (none for an undefined entry): small plain PNGs
 * and baseline JPEGs are read on this thread at once (the caller has its turn); only the rest
 * queue for sharp's threads, admitted to the decode slots as one group, weighed by their pixels.
 */
export async function preprocessPictures(
  slots: Limiter,
  pictures: readonly (SizedPicture | undefined)[],
  options: PreprocessOptions,
): Promise<(Promise<Preprocessed | HttpProblem> | undefined)[]> {
  const quick = await mapInTurns(pictures, (picture) => picture && preprocessSmallImage(picture.bytes, options));
  const slow = runOrShed(
    slots,
    pictures.flatMap((picture, i) =>
      picture && !quick[i] ? [{ weight: budgetedPixels(picture.size), run: () => preprocessWithSharp(picture.bytes, options) }] : [],
    ),
  );
  let queued = 0;
  return pictures.map((picture, i) => {
    if (!picture) return undefined;
    const done = quick[i];
    if (done) return Promise.resolve(done);
    return slow[queued++]!.catch((err: unknown) => {
      if (err instanceof HttpProblem) return err;
      throw err;
    });
  });
}

/** /predict reads one digit: a picture that seems to hold a number says so, and where to send it. */
function severalDigitsWarning(digitsFound: number): { warning?: string } {
  if (digitsFound <= 1) return {};
  return {
    warning: `the picture seems to hold ${digitsFound} digits and this answer reads it as one: send it to POST /read to read the number`,
  };
}

/** 784 values in 0..1 as the picture they are, counted as an image's digits are. */
/** The ink of pixels sent as values, found as in a 28x28 grey picture of them. */
function inkInPixels(pixels: Float32Array): InkFound {
  const grey = Uint8Array.from(pixels, (v) => Math.round(v * 255));
  return findInk({ width: IMAGE_SIDE, height: IMAGE_SIDE, grey, alpha: null });
}

async function debugView(input: ModelInput): Promise<NonNullable<Prediction['debug']>> {
  return { mode: input.mode, tensor: Array.from(input.tensor), png: await tensorToPngDataUrl(input.tensor) };
}
