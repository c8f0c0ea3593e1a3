/**
 * Cutting touching digits into the parts that read best as whole digits. The digit model reads
 * almost anything confidently as some digit (half a 0 as a 1, two digits squeezed together as
 * an 8), so the parts are scored by a second network of the same shape, the parts model
 * (weights/README.md), trained on candidate parts of rendered numbers to answer "not one whole
 * digit" (its eleventh class) for a part that holds a piece of a digit or pieces of two. Every
 * candidate part between two candidate cuts is scored in one batch, and a dynamic programme
 * picks the sequence of parts with the highest product of scores, each part earning a bonus so
 * that among splits as sure the one with more digits wins.
 *
 * The picture's only piece that the digit model reads whole stays whole unless it splits into
 * sure digits: a picture of one digit reads as /predict reads it.
 */
import { forward, type Mlp } from '../model/mlp.js';
import { stackRows } from '../preprocess/tensor.js';
import type { DigitInk } from './pieces.js';
import type { CutChooser, SplitWays } from './split.js';

/** candidate columns taken from each cut's window, thinnest first */
export const CUT_TRIES = 6;
/** candidate cuts closer than this many line heights are one (the nearer the left edge kept) */
export const CUT_SPACING = 0.04;
/** a part is at least this and at most this many line heights wide */
export const NARROW_PART = 0.12;
export const WIDE_PART = 1.4;
/** what each part earns, in log-probability */
export const PART_BONUS = 0.5;
/** the parts model's class for "not one whole digit" */
export const NOT_A_DIGIT = 10;
/**
 * a piece no wider than this many heights that the digit model reads whole at least this
 * surely is one digit: a sprawling 5 or a looped 2, wider than the digits around it, which
 * the parts model (leaning towards "not one digit") would let the split take
 */
export const SURE_ASPECT = 1.5;
export const SURE_WHOLE = 0.95;
/**
 * or this surely and this wide, when it is the picture's only piece: a picture of one digit
 * reads as /predict reads it, and MNIST's widest 2s and 5s reach about 1.6
 */
export const SURE_ALONE = 0.3;
export const ALONE_ASPECT = 1.7;
/** unless every part of its best split scores at least this as a whole digit: two touching digits alone in a picture */
export const SURE_SPLIT = 0.9;

/** The two networks reading a line: the digit model and the parts model. */
export interface ReadModels {
  readonly digits: Mlp;
  readonly parts: Mlp;
}

/** Candidate cuts of a wide digit (its edges first and last) and the parts between two of them a digit could fill. */
export interface PartCandidates {
  readonly cuts: readonly number[];
  /** indices into cuts: the part from cuts[a] to cuts[b] - 1 */
  readonly spans: readonly (readonly [number, number])[];
}

export function candidateParts({ digit, ways, lineHeight }: SplitWays): PartCandidates {
  const end = digit.box.x1 + 1;
  const columns = new Set([digit.box.x0]);
  for (const way of ways) for (const window of way) for (const x of window.slice(0, CUT_TRIES)) columns.add(x);
  // neighbouring columns cut alike: one candidate per CUT_SPACING, the digit's own edges kept
  const spacing = CUT_SPACING * lineHeight;
  const cuts: number[] = [];
  for (const x of [...columns].sort((a, b) => a - b)) if (cuts.length === 0 || x - cuts.at(-1)! >= spacing) cuts.push(x);
  if (cuts.length > 1 && end - cuts.at(-1)! < spacing) cuts.pop();
  cuts.push(end);
  const spans: [number, number][] = [];
  for (let a = 0; a < cuts.length; a++) {
    for (let b = a + 1; b < cuts.length; b++) {
      const w = cuts[b]! - cuts[a]!;
      if (w > WIDE_PART * lineHeight) break;
      if (w >= NARROW_PART * lineHeight) spans.push([a, b]);
    }
  }
  return { cuts, spans };
}

/** `tensorOf` turns a digit into the model's input (null when it holds no ink). */
export function classifierCuts(models: ReadModels, tensorOf: (digit: DigitInk) => Float32Array | null): CutChooser {
  // the digit model's confidence in its reading; the parts model's in the likeliest digit (any class but NOT_A_DIGIT)
  const digitConfidence = scoreReader(models.digits, models.digits.classes);
  const partScore = scoreReader(models.parts, NOT_A_DIGIT);
  return (split) => {
    const { digit, part, alone, ways } = split;
    const whole = tensorOf(part(digit.box.x0, digit.box.x1));
    const aspect = (digit.box.x1 - digit.box.x0 + 1) / (digit.box.y1 - digit.box.y0 + 1);
    if (!alone && aspect < SURE_ASPECT && digitConfidence([whole])[0]! >= SURE_WHOLE) return [];
    const { cuts, spans } = candidateParts(split);
    const scores = partScore(spans.map(([a, b]) => tensorOf(part(cuts[a]!, cuts[b]! - 1))));
    const best = new Float64Array(cuts.length).fill(-Infinity);
    /** the span that ends each cut's best sequence */
    const via = new Int32Array(cuts.length).fill(-1);
    best[0] = 0;
    // spans are in order of their left cut: every way into a cut is known before a span leaves it
    spans.forEach(([a, b], k) => {
      const total = best[a]! + Math.log(Math.max(scores[k]!, 1e-6)) + PART_BONUS;
      if (total > best[b]!) [best[b], via[b]] = [total, k];
    });
    if (via[cuts.length - 1] === -1) return ways[0]!.map((c) => c[0]!);
    const chosen: number[] = [];
    let leastSure = 1;
    for (let j = cuts.length - 1; j > 0;) {
      const k = via[j]!;
      const [a] = spans[k]!;
      leastSure = Math.min(leastSure, scores[k]!);
      if (a > 0) chosen.unshift(cuts[a]!);
      j = a;
    }
    // the picture's only piece, read whole as /predict would read it, is split only into sure digits
    const readAlone = alone && aspect < ALONE_ASPECT && digitConfidence([whole])[0]! >= SURE_ALONE;
    return readAlone && leastSure < SURE_SPLIT ? [] : chosen;
  };
}

/**
 * A model's score of each input, the highest probability among its first `classes` classes (0
 * for a part with no ink), the inputs not read yet read in one batch: the model reads a row
 * alike alone or in a batch, and the digit reader hands back the same tensor for a part met
 * again, so each part is read once.
 */
function scoreReader(mlp: Mlp, classes: number) {
  const known = new Map<Float32Array, number>();
  return (tensors: readonly (Float32Array | null)[]): number[] => {
    const fresh = [...new Set(tensors.filter((t): t is Float32Array => t !== null && !known.has(t)))];
    if (fresh.length > 0) {
      const probs = forward(mlp, stackRows(fresh), fresh.length);
      fresh.forEach((t, i) => known.set(t, Math.max(...probs.subarray(i * mlp.classes, i * mlp.classes + classes))));
    }
    return tensors.map((t) => (t ? known.get(t)! : 0));
  };
}
