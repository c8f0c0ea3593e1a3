/**
 * Cutting touching digits where the model reads both sides best: among the thinnest columns
 * near each even split, the cut whose left part and the rest up to the next cut the model
 * reads with the highest product of confidences. The thinnest column alone often cuts through
 * a loop or a bar where the two digits happen to thin out, leaving each part unreadable. A
 * digit the model reads whole more surely than its parts stays whole.
 */
import type { Mlp } from '../model/mlp.js';
import { predictBatch } from '../model/predict.js';
import { stackRows } from '../preprocess/tensor.js';
import type { DigitInk } from './pieces.js';
import type { CutCandidates, CutChooser, PartReader } from './split.js';

/** candidate columns tried per cut, thinnest first */
export const CUT_TRIES = 16;
/**
 * a piece no wider than this many heights that the model reads whole at least this surely is one
 * digit: a sprawling 5 or a looped 2 splits into parts it also reads surely, two digits squeezed
 * into one reading rarely read so
 */
export const SURE_ASPECT = 1.5;
export const SURE_WHOLE = 0.95;
/**
 * or this surely and this wide, when it is the picture's only piece: a picture of one digit
 * reads as /predict reads it, and MNIST's widest 2s and 5s reach about 1.6
 */
export const SURE_ALONE = 0.3;
export const ALONE_ASPECT = 1.7;

export function classifierCuts(mlp: Mlp, tries = CUT_TRIES): CutChooser {
  const confidences = confidenceReader(mlp);
  const confidence = (tensor: Float32Array | null) => confidences([tensor])[0]!;
  /** The best cuts of one way to split, and the geometric mean of its parts' confidences. */
  const bestOf = (digit: DigitInk, candidates: CutCandidates, read: PartReader) => {
    const cuts: number[] = [];
    const parts: (Float32Array | null)[] = [];
    let from = digit.box.x0;
    candidates.forEach((options, k) => {
      // the right part runs to where the next cut would go without this one's choice
      const to = k + 1 < candidates.length ? candidates[k + 1]![0]! - 1 : digit.box.x1;
      const tried = options.slice(0, tries);
      const sure = confidences([...tried.map((cut) => read(from, cut - 1)), ...tried.map((cut) => read(cut, to))]);
      let best = options[0]!;
      let bestScore = -1;
      tried.forEach((cut, i) => {
        const s = sure[i]! * sure[tried.length + i]!;
        if (s > bestScore) [best, bestScore] = [cut, s];
      });
      cuts.push(best);
      parts.push(read(from, best - 1));
      from = best;
    });
    parts.push(read(from, digit.box.x1));
    return { cuts, score: parts.reduce((product, part) => product * confidence(part), 1) ** (1 / parts.length) };
  };
  return (digit, ways, read, alone) => {
    // kept whole when the model reads it whole more surely than any split's parts, on average: a wide 0 or 2
    let best = { cuts: [] as number[], score: confidence(read(digit.box.x0, digit.box.x1)) };
    const aspect = (digit.box.x1 - digit.box.x0 + 1) / (digit.box.y1 - digit.box.y0 + 1);
    if (alone ? aspect < ALONE_ASPECT && best.score >= SURE_ALONE : aspect < SURE_ASPECT && best.score >= SURE_WHOLE) return [];
    for (const candidates of ways) {
      const split = bestOf(digit, candidates, read);
      if (split.score > best.score) best = split;
    }
    return best.cuts;
  };
}

/**
 * The model's confidence in each part (0 for a part with no ink), the parts not read yet read
 * in one batch: the model reads a row alike alone or in a batch, and the reader hands back the
 * same tensor for a part met again, so each part is read once.
 */
function confidenceReader(mlp: Mlp): (tensors: readonly (Float32Array | null)[]) => number[] {
  const known = new Map<Float32Array, number>();
  return (tensors) => {
    const fresh = [...new Set(tensors.filter((t): t is Float32Array => t !== null && !known.has(t)))];
    if (fresh.length > 0) predictBatch(mlp, stackRows(fresh), fresh.length).forEach((p, i) => known.set(fresh[i]!, p.confidence));
    return tensors.map((t) => (t ? known.get(t)! : 0));
  };
}
