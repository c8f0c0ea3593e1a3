/**
 * Broken digits whose pieces sit side by side (a stroke cut down its length, a 4 opened at
 * the top) pass group.ts as two narrow digits. Two neighbours that together are no wider
 * than a digit and nearly touch are joined when the model reads them together more surely
 * than apart (the geometric mean of their confidences): two ones side by side read as
 * nothing much together, a cut 0 reads as a 0.
 */
import type { Mlp } from '../model/mlp.js';
import { predictBatch } from '../model/predict.js';
import { median, union, width, type DigitInk } from './pieces.js';

/** neighbours together at most this many typical heights wide are candidates */
export const JOIN_WIDTH = 1;
/** and at most this far apart, in typical heights */
export const JOIN_GAP = 0.2;

export function joinBroken(digits: readonly DigitInk[], mlp: Mlp, tensorOf: (digit: DigitInk) => Float32Array | null): DigitInk[] {
  if (digits.length < 2) return [...digits];
  const typical = median(digits.map((d) => d.box.y1 - d.box.y0 + 1));
  const confidence = (digit: DigitInk) => {
    const tensor = tensorOf(digit);
    return tensor ? predictBatch(mlp, tensor, 1)[0]!.confidence : 0;
  };
  const out = [digits[0]!];
  for (const next of digits.slice(1)) {
    const last = out[out.length - 1]!;
    const joined = { box: union(last.box, next.box), pieces: [...last.pieces, ...next.pieces] };
    const close = next.box.x0 - last.box.x1 <= JOIN_GAP * typical && width(joined.box) <= JOIN_WIDTH * typical;
    if (close && confidence(joined) > Math.sqrt(confidence(last) * confidence(next))) out[out.length - 1] = joined;
    else out.push(next);
  }
  return out;
}
