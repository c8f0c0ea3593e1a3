/**
 * Separate ink from what is left of the paper. Otsu's threshold (N. Otsu, "A threshold
 * selection method from gray-level histograms", IEEE SMC 1979) splits the ink-level histogram
 * into the two classes with the largest between-class variance, O(levels) once the histogram
 * is built. Instead of binarising at the threshold, a ramp from half the threshold (below:
 * paper) to the mean ink level (above: full ink) keeps the anti-aliased grey edges of strokes,
 * as the 28x28 MNIST digits have them.
 */

export interface OtsuSplit {
  /** levels <= threshold form the paper class */
  readonly threshold: number;
  readonly paperMean: number;
  readonly inkMean: number;
}

export function otsu(hist: Uint32Array): OtsuSplit {
  let total = 0;
  let totalSum = 0;
  for (let v = 0; v < hist.length; v++) {
    total += hist[v]!;
    totalSum += v * hist[v]!;
  }
  let best = { threshold: hist.length - 1, paperMean: totalSum / Math.max(1, total), inkMean: 0 };
  let bestVariance = -1;
  let count0 = 0;
  let sum0 = 0;
  for (let t = 0; t < hist.length - 1; t++) {
    count0 += hist[t]!;
    sum0 += t * hist[t]!;
    const count1 = total - count0;
    if (count0 === 0 || count1 === 0) continue;
    const mean0 = sum0 / count0;
    const mean1 = (totalSum - sum0) / count1;
    // between-class variance up to the constant 1 / total^2
    const variance = count0 * count1 * (mean0 - mean1) ** 2;
    if (variance > bestVariance) {
      bestVariance = variance;
      best = { threshold: t, paperMean: mean0, inkMean: mean1 };
    }
  }
  return best;
}

/** Ink levels -> ink amount 0..1: 0 up to `lo`, 1 from `hi`, linear between. */
export function softInk(levels: Uint8Array, lo: number, hi: number): Float32Array {
  const out = new Float32Array(levels.length);
  const scale = 1 / Math.max(1e-6, hi - lo);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, (levels[i]! - lo) * scale));
  return out;
}
