/** A picture's digits read with segmentLine and the model: the text, '' when there is none. */
import { predictBatch } from '../../src/model/predict.js';
import type { LoadedModel } from '../../src/model/weights/types.js';
import { DEFAULT_ALLOWED_FORMATS, type DecodeLimits } from '../../src/preprocess/decode.js';
import { INPUT_SIZE } from '../../src/preprocess/tensor.js';
import { decodeLine } from '../../src/read/decode-line.js';
import { segmentLine } from '../../src/read/segment.js';

export const LIMITS: DecodeLimits = { maxInputPixels: 40_000_000, allowedFormats: DEFAULT_ALLOWED_FORMATS };

export async function readPicture(bytes: Uint8Array, model: LoadedModel, limits: DecodeLimits): Promise<string> {
  const digits = segmentLine(await decodeLine(bytes, limits), model.mlp).digits;
  if (digits.length === 0) return '';
  const batch = new Float32Array(digits.length * INPUT_SIZE);
  digits.forEach((d, i) => batch.set(d.tensor, i * INPUT_SIZE));
  return predictBatch(model.mlp, batch, digits.length)
    .map((p) => p.prediction)
    .join('');
}
