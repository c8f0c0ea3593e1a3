/** Level histograms and their quantiles: every statistic of the pipeline is read from one of these, in O(pixels). */

/** Counts of each 0..255 level. */
export function histogram(levels: Uint8Array): Uint32Array {
  const hist = new Uint32Array(256);
  for (let i = 0; i < levels.length; i++) hist[levels[i]!]!++;
  return hist;
}

/** The smallest bin index at or below which at least `q` of the `total` counts lie (q in 0..1). */
export function quantile(hist: Uint32Array, q: number, total = sum(hist)): number {
  const target = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i]!;
    if (seen >= target) return i;
  }
  return hist.length - 1;
}

function sum(hist: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < hist.length; i++) n += hist[i]!;
  return n;
}
