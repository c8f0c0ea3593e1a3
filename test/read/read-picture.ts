/** A picture's digits read with segmentLine and the shipped models: the text, '' when there is none. */
import { DEFAULT_PARTS_WEIGHTS, DEFAULT_WEIGHTS } from '../../src/config.js';
import { predictBatch } from '../../src/model/predict.js';
import { loadWeights } from '../../src/model/weights/load.js';
import type { LoadedModel } from '../../src/model/weights/types.js';
import { checkedSize, DEFAULT_ALLOWED_FORMATS, type DecodeLimits } from '../../src/preprocess/decode.js';
import type { GreyImage } from '../../src/preprocess/ink.js';
import { INPUT_SIZE } from '../../src/preprocess/tensor.js';
import type { ReadModels } from '../../src/read/classifier-cuts.js';
import { decodeLine, decodeSmallLine } from '../../src/read/decode-line.js';
import { segmentLine } from '../../src/read/segment.js';

export const LIMITS: DecodeLimits = { maxInputPixels: 40_000_000, allowedFormats: DEFAULT_ALLOWED_FORMATS };

/** The shipped digit model, and the two networks /read reads a line with. */
export async function loadShippedModels(): Promise<{ model: LoadedModel; models: ReadModels }> {
  const [model, parts] = await Promise.all([loadWeights(DEFAULT_WEIGHTS), loadWeights(DEFAULT_PARTS_WEIGHTS)]);
  return { model, models: { digits: model.mlp, parts: parts.mlp } };
}

/** The picture decoded as /read decodes it: a small JPEG on this thread, anything else by sharp. */
export async function decodeAsRead(bytes: Uint8Array, limits: DecodeLimits): Promise<GreyImage> {
  return decodeSmallLine(bytes, await checkedSize(bytes, limits), limits) ?? (await decodeLine(bytes, limits));
}

export async function readPicture(bytes: Uint8Array, models: ReadModels, limits: DecodeLimits): Promise<string> {
  const digits = segmentLine(await decodeAsRead(bytes, limits), models).digits;
  if (digits.length === 0) return '';
  const batch = new Float32Array(digits.length * INPUT_SIZE);
  digits.forEach((d, i) => batch.set(d.tensor, i * INPUT_SIZE));
  return predictBatch(models.digits, batch, digits.length)
    .map((p) => p.prediction)
    .join('');
}
