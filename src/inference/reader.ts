/**
 * Pictures of numbers in, their digits out: every picture's size checked from its header
 * before any is decoded, each decoded at the line resolution in the decode slots /predict uses
 * (weighed by its pixels), segmented on this thread (read/segment.ts), and every digit of
 * every picture read in one forward pass. A picture that cannot be read is its own problem in
 * its place.
 */
import { z } from 'zod';
import type { InputItem, ItemOrProblem } from '../http/inputs.js';
import { HttpProblem } from '../http/problem.js';
import { ClassPrediction, predictBatch } from '../model/predict.js';
import type { LoadedModel } from '../model/weights/types.js';
import { budgetedPixels, type DecodeLimits } from '../preprocess/decode.js';
import type { ImageSize } from '../preprocess/dimensions.js';
import type { GreyImage } from '../preprocess/ink.js';
import { sizeImages } from '../preprocess/index.js';
import type { Box } from '../preprocess/plane.js';
import { stackRows } from '../preprocess/tensor.js';
import { decodeLine, decodeSmallLine, LINE_SIDE } from '../read/decode-line.js';
import { segmentLine, type SegmentedDigit } from '../read/segment.js';
import type { ReadModels } from '../read/classifier-cuts.js';
import type { Mlp } from '../model/mlp.js';
import { runOrShed } from './decode-slots.js';
import type { Limiter } from './limiter.js';
import { noDigit, preprocessPictures } from './predictor.js';
import { mapInTurns, ON_THREAD_SLICE_MS, takeTurn } from './turns.js';

const PictureSize = z.object({ width: z.number().int().min(1), height: z.number().int().min(1) });

export const DigitBox = z
  .object({ x: z.number().int().min(0), y: z.number().int().min(0), width: z.number().int().min(1), height: z.number().int().min(1) })
  .describe("the digit's ink, in the uploaded picture's pixels after its EXIF orientation");

export const ReadDigit = ClassPrediction.extend({ box: DigitBox });

export const Reading = z.object({
  text: z.string().describe('the digits read, left to right'),
  confidence: z.number().min(0).max(1).describe("probability that the whole text is right: the product of the digits' confidences"),
  digits: z.array(ReadDigit).describe('left to right'),
  image: PictureSize.describe("the picture's size after its EXIF orientation: the frame the boxes are in"),
});
export type Reading = z.infer<typeof Reading>;

export type ReadResult = Reading | HttpProblem;

/** A picture segmented, before the forward pass. */
interface Segmented {
  readonly bytes: Buffer;
  readonly size: ImageSize;
  readonly digits: readonly SegmentedDigit[];
  /** the decoded picture's size and the uploaded one's, upright */
  readonly decoded: z.infer<typeof PictureSize>;
  readonly upright: z.infer<typeof PictureSize>;
}

export class Reader {
  private readonly models: ReadModels;

  constructor(
    readonly model: LoadedModel,
    parts: Mlp,
    private readonly limits: DecodeLimits,
    private readonly decodeSlots: Limiter,
    private readonly maxDigits: number,
  ) {
    this.models = { digits: model.mlp, parts };
  }

  async readOne(item: InputItem): Promise<Reading> {
    const [result] = await this.readMany([item]);
    if (result instanceof HttpProblem) throw result;
    return result!;
  }

  async readMany(items: readonly ItemOrProblem[]): Promise<ReadResult[]> {
    const pictures = items.map((item) =>
      item instanceof HttpProblem || item.kind === 'image'
        ? item
        : new HttpProblem(
            'invalid_input',
            '/read reads pictures (an image file, or JSON {"image": "<base64>"}); 784 pixels are one 28x28 digit: send them to /predict',
          ),
    );
    const images = pictures.filter((p): p is Extract<InputItem, { kind: 'image' }> => !(p instanceof HttpProblem));
    // every size checked before anything is decoded; a refused picture is not decoded at all
    const sizes = await sizeImages(
      images.map((image) => image.bytes),
      this.limits,
    );
    // small JPEGs are read on this thread (the caller has its turn); the rest queue for sharp's threads
    const quick = await mapInTurns(images, (image, i) => {
      const size = sizes[i]!;
      return size instanceof HttpProblem ? undefined : decodeSmallLine(image.bytes, size, this.limits);
    });
    const decodes = runOrShed(
      this.decodeSlots,
      images.flatMap((image, i) => {
        const size = sizes[i]!;
        if (size instanceof HttpProblem || quick[i]) return [];
        return [{ weight: budgetedPixels(size, LINE_SIDE), run: () => decodeLine(image.bytes, this.limits) }];
      }),
    );
    // settled at once: a picture that fails while an earlier one is segmented must not be an unhandled rejection
    const settled = decodes.map((decode) =>
      decode.then(
        (grey) => ({ grey }),
        (error: unknown) => ({ error }),
      ),
    );
    const segmented: (Segmented | HttpProblem)[] = [];
    let image = 0;
    let decoded = 0;
    let sliceStart = performance.now();
    for (const picture of pictures) {
      if (picture instanceof HttpProblem) {
        segmented.push(picture);
        continue;
      }
      const size = sizes[image++]!;
      if (size instanceof HttpProblem) {
        segmented.push(size);
        continue;
      }
      const small = quick[image - 1];
      const outcome = small ? { grey: small } : await settled[decoded++]!;
      if ('error' in outcome && !(outcome.error instanceof HttpProblem)) throw outcome.error;
      // segmenting holds this thread: a batch of photos takes turns with other requests (turns.ts)
      if (performance.now() - sliceStart >= ON_THREAD_SLICE_MS) {
        await takeTurn();
        sliceStart = performance.now();
      }
      segmented.push('grey' in outcome ? this.segment(picture.bytes, outcome.grey, size) : (outcome.error as HttpProblem));
    }
    return this.readDigits(await this.asPredictReadsThem(segmented));
  }

  private segment(bytes: Buffer, image: GreyImage, size: ImageSize): Segmented | HttpProblem {
    const { digits, lines } = segmentLine(image, this.models);
    if (digits.length === 0) return noDigit();
    if (lines > 1) {
      return new HttpProblem('several_lines', `the image holds ${lines} lines of digits; /read reads one: crop the picture to one line`, {
        lines,
      });
    }
    if (digits.length > this.maxDigits) {
      return new HttpProblem('too_many_digits', `${digits.length} digits found; at most ${this.maxDigits} are read in one picture`, {
        digits: digits.length,
        maxReadDigits: this.maxDigits,
      });
    }
    return { bytes, size, digits, decoded: { width: image.width, height: image.height }, upright: upright(image, size) };
  }

  /**
   * A picture in which one digit was found is read from the input /predict makes of it (its
   * own decode, its `auto` choice of pipeline), so both routes answer the same digit for it, and
   * /predict's verdict of no digit is /read's too. The line's resolution would give another
   * tensor, and a near tie another digit.
   */
  private async asPredictReadsThem(segmented: readonly (Segmented | HttpProblem)[]): Promise<(Segmented | HttpProblem)[]> {
    const options = { mode: 'auto', limits: this.limits } as const;
    const ones = segmented.map((s) => (s instanceof HttpProblem || s.digits.length !== 1 ? undefined : s));
    const prepared = await preprocessPictures(this.decodeSlots, ones, options);
    return Promise.all(
      segmented.map(async (s, i) => {
        const one = ones[i];
        if (one === undefined) return s;
        const result = await prepared[i]!;
        if (result instanceof HttpProblem) return result;
        if (result.noDigit) return noDigit(result.noDigitReason);
        return { ...one, digits: [{ box: one.digits[0]!.box, tensor: result.tensor }] };
      }),
    );
  }

  /** One forward pass over every digit of every picture, each answer put back in its picture. */
  private readDigits(segmented: readonly (Segmented | HttpProblem)[]): ReadResult[] {
    const tensors = segmented.flatMap((s) => (s instanceof HttpProblem ? [] : s.digits.map((d) => d.tensor)));
    const predictions = tensors.length ? predictBatch(this.model.mlp, stackRows(tensors), tensors.length) : [];
    let next = 0;
    return segmented.map((s) => {
      if (s instanceof HttpProblem) return s;
      const digits = s.digits.map((d) => ({ ...predictions[next++]!, box: uploadedBox(d.box, s.decoded, s.upright) }));
      return {
        text: digits.map((d) => d.prediction).join(''),
        confidence: digits.reduce((product, d) => product * d.confidence, 1),
        digits,
        image: s.upright,
      };
    });
  }
}

/**
 * The uploaded picture's size once upright: the header's size, its sides swapped when the EXIF
 * orientation turned the picture (the decode, shrunk or not, has the upright proportions).
 */
function upright(decoded: GreyImage, header: ImageSize): z.infer<typeof PictureSize> {
  const long = Math.max(header.width, header.height);
  const short = Math.min(header.width, header.height);
  return decoded.width >= decoded.height ? { width: long, height: short } : { width: short, height: long };
}

/** A box in the decoded picture's pixels (inclusive) -> the same ink in the upright upload's pixels, covering it whole. */
function uploadedBox(box: Box, decoded: z.infer<typeof PictureSize>, upload: z.infer<typeof PictureSize>): z.infer<typeof DigitBox> {
  const sx = upload.width / decoded.width;
  const sy = upload.height / decoded.height;
  const x = Math.floor(box.x0 * sx);
  const y = Math.floor(box.y0 * sy);
  return {
    x,
    y,
    width: Math.min(upload.width, Math.ceil((box.x1 + 1) * sx)) - x,
    height: Math.min(upload.height, Math.ceil((box.y1 + 1) * sy)) - y,
  };
}
