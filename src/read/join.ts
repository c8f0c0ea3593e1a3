/**
 * Broken digits whose pieces sit side by side (a stroke cut down its length, a 4 opened at
 * the top, an 8 cut across its waist at a slant) pass group.ts as several narrow digits. Every
 * run of up to MAX_RUN neighbours that together are no wider than a digit can be, and nearly
 * touch, is a candidate digit; the model reads all candidates in one batch and a dynamic
 * programme picks the sequence of candidates read most surely. The model reads many pieces
 * confidently as some digit (half a 0 as a 1 or a 7), and two whole neighbours together as one
 * (a 9 and a 9 as an 8), so the shapes weigh in: a piece short or narrow for a digit pays for
 * standing alone, a join wider than a digit pays for its width, and among readings as sure the
 * digits apart win.
 */
import type { Mlp } from '../model/mlp.js';
import { predictBatch } from '../model/predict.js';
import { stackRows } from '../preprocess/tensor.js';
import { height, median, union, width, type DigitInk } from './pieces.js';

/** at most this many neighbours are one digit */
export const MAX_RUN = 3;
/** neighbours together at most this many of their own heights wide are candidates */
export const JOIN_WIDTH = 1.35;
/** and at most this far apart, in typical heights */
export const JOIN_GAP = 0.2;
/** what each digit found earns, in log-probability: among readings as sure, more digits apart win over fewer joined */
export const DIGIT_BONUS = Math.log(1.1);
/** a piece shorter than this share of the typical height is unlikely to be a digit alone */
export const SHORT = 0.75;
/** what standing alone costs such a piece, in log-probability */
export const SHORT_ALONE = Math.log(0.3);
/** a digit's usual width in its own heights, and how far it strays either way */
export const DIGIT_ASPECT = 0.62;
export const WIDE_SPREAD = 0.5;
export const NARROW_SPREAD = 0.15;
/** a digit other than a 1 is seldom narrower than this many of its heights */
export const NARROW_ASPECT = 0.45;

/** The log-likelihood of a digit this wide (in its own heights) being read as `digit`. */
function shapeScore(aspect: number, digit: number): number {
  if (aspect > DIGIT_ASPECT) return -0.5 * ((aspect - DIGIT_ASPECT) / WIDE_SPREAD) ** 2;
  if (digit === 1 || aspect >= NARROW_ASPECT) return 0;
  return -0.5 * ((NARROW_ASPECT - aspect) / NARROW_SPREAD) ** 2;
}

export function joinBroken(digits: readonly DigitInk[], mlp: Mlp, tensorOf: (digit: DigitInk) => Float32Array | null): DigitInk[] {
  if (digits.length < 2) return [...digits];
  const typical = median(digits.map((d) => height(d.box)));
  const runs: { from: number; to: number; digit: DigitInk }[] = [];
  digits.forEach((first, i) => {
    let digit = first;
    runs.push({ from: i, to: i + 1, digit });
    for (let j = i + 1; j < Math.min(digits.length, i + MAX_RUN); j++) {
      const next = digits[j]!;
      if (next.box.x0 - digit.box.x1 > JOIN_GAP * typical) break;
      digit = { box: union(digit.box, next.box), pieces: [...digit.pieces, ...next.pieces] };
      if (width(digit.box) > JOIN_WIDTH * Math.max(height(digit.box), typical)) break;
      runs.push({ from: i, to: j + 1, digit });
    }
  });
  if (runs.length === digits.length) return [...digits];
  const tensors = runs.map((r) => tensorOf(r.digit));
  const rows = tensors.filter((t): t is Float32Array => t !== null);
  const read = predictBatch(mlp, stackRows(rows), rows.length);
  let next = 0;
  const best = new Float64Array(digits.length + 1).fill(-Infinity);
  const from = new Int32Array(digits.length + 1).fill(-1);
  best[0] = 0;
  runs.forEach((run, k) => {
    const reading = tensors[k] ? read[next++]! : null;
    // a run the model cannot read at all is no digit: it may still stand as it was
    const { prediction, confidence } = reading ?? { prediction: -1, confidence: 1e-6 };
    const box = run.digit.box;
    let score = Math.log(Math.max(confidence, 1e-6)) + shapeScore(width(box) / height(box), prediction) + DIGIT_BONUS;
    if (height(box) < SHORT * typical) score += SHORT_ALONE;
    const total = best[run.from]! + score;
    if (total > best[run.to]!) [best[run.to], from[run.to]] = [total, run.from];
  });
  const out: DigitInk[] = [];
  for (let j = digits.length; j > 0; j = from[j]!) {
    const i = from[j]!;
    out.unshift(runs.find((r) => r.from === i && r.to === j)!.digit);
  }
  return out;
}
