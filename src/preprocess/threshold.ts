/**
 * Separate ink from what is left of the paper. Otsu's threshold (N. Otsu, "A threshold
 * selection method from gray-level histograms", IEEE SMC 1979) splits the ink-level histogram
 * into the two classes with the largest between-class variance, O(levels) once the histogram
 * is built. Otsu's criterion is known to fail for small objects on noisy ground: a thin digit
 * covering 1% of a grainy photo loses to a split through the middle of the noise. So the
 * threshold never goes below NOISE_FLOOR paper noise sigmas, where paper alone almost never
 * reaches. The two class means at the threshold say how clearly ink stands out (ink.ts).
 */

/** the lowest threshold, in standard deviations of the paper's noise */
export const NOISE_FLOOR = 4;

export interface InkSplit {
  /** levels <= threshold are paper, levels above are ink */
  readonly threshold: number;
  readonly paperMean: number;
  /** 0 when no level is above the threshold */
  readonly inkMean: number;
}

/** Otsu's threshold of a level histogram: the last level of the lower class. */
export function otsuThreshold(hist: Uint32Array): number {
  let total = 0;
  let totalSum = 0;
  for (let v = 0; v < hist.length; v++) {
    total += hist[v]!;
    totalSum += v * hist[v]!;
  }
  let best = hist.length - 1;
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
      best = t;
    }
  }
  return best;
}

/** Ink from paper: Otsu's threshold, raised to the noise floor; and the mean level of each side. */
export function splitInk(hist: Uint32Array, noise: number): InkSplit {
  const threshold = Math.max(otsuThreshold(hist), Math.ceil(NOISE_FLOOR * noise));
  const mean = (from: number, to: number) => {
    let count = 0;
    let sum = 0;
    for (let v = from; v <= to; v++) {
      count += hist[v]!;
      sum += v * hist[v]!;
    }
    return count ? sum / count : 0;
  };
  return { threshold, paperMean: mean(0, threshold), inkMean: mean(threshold + 1, hist.length - 1) };
}
