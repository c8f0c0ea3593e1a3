/**
 * What the upload routes accept, as zod schemas: the JSON bodies (pixels, an image, a batch),
 * the query's options and the choice of model. The routes validate and document with them;
 * inputs.ts reads requests into items with them.
 */
import { z } from 'zod';
import { PreprocessMode } from '../preprocess/index.js';
import { IMAGE_SIDE, INPUT_SIZE } from '../preprocess/tensor.js';

const Level = z.number().min(0).max(1);
const PIXEL_SHAPES = `expected ${INPUT_SIZE} values in 0..1 (row-major), or ${IMAGE_SIDE} rows of ${IMAGE_SIDE}`;

export const PixelsInput = z
  .object({
    pixels: z
      .union(
        [
          z.array(Level).length(INPUT_SIZE, { error: PIXEL_SHAPES }),
          z.array(z.array(Level).length(IMAGE_SIDE, { error: PIXEL_SHAPES })).length(IMAGE_SIDE, { error: PIXEL_SHAPES }),
        ],
        { error: PIXEL_SHAPES },
      )
      .describe('784 grayscale values in 0..1, row-major 28x28, or the same as 28 rows of 28; white ink on black'),
  })
  .strict();

/** `data:image/png;base64,...`, as a browser's canvas.toDataURL() or FileReader gives a picture */
const IMAGE_DATA_URL = /^data:image\/[\w.+-]+(?:;[\w.+-]+=[^;,]*)*;base64,[A-Za-z0-9+/]*={0,2}$/;

export const ImageInput = z
  .object({
    image: z
      .union([z.base64().min(1), z.string().regex(IMAGE_DATA_URL)])
      .describe('an image file (PNG, JPEG, WebP, GIF, TIFF, AVIF), base64-encoded, or the same as a data:image/...;base64, URL'),
  })
  .strict();

export const JsonInput = z.union([PixelsInput, ImageInput]);

/** A yes-or-no query parameter or form field: 1 or true, 0 or false. */
export const Flag = z.stringbool({ truthy: ['1', 'true'], falsy: ['0', 'false'] });

/**
 * How images are turned into the model's input, and whether to show it: query parameters, or
 * multipart fields of the same names (validated and documented by the routes); unset, the defaults.
 */
export const PredictQuery = z.object({
  preprocess: PreprocessMode.optional().describe(
    'auto (default): MNIST-like 28x28 files as they are, everything else normalised like MNIST; mnist: always normalise; plain: resize the whole picture',
  ),
  debug: Flag.optional().describe('1 or true adds the 28x28 input the model received, as numbers and as a PNG data URL'),
});
export type PredictOptions = Required<z.output<typeof PredictQuery>>;

/** Which model answers: query parameters of every route that runs one. */
export const ModelChoice = z.object({
  model: z
    .string()
    .regex(/^[\w.-]{1,64}$/)
    .optional()
    .describe('the model to answer with (GET /models lists them); the default model when absent'),
  version: z
    .string()
    .regex(/^[\w.-]{1,64}$/)
    .optional()
    .describe("the model's version; its default (highest) when absent"),
});

export const BatchJsonBody = z
  .object({
    inputs: z.array(z.unknown()).min(1).describe('items, each one like the JSON body of /predict'),
  })
  .strict();
