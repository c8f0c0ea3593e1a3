/**
 * Level histograms and their quantiles (the host's src/preprocess/histogram.ts calls these).
 * Counts are u32 arrays in the module's memory; every pointer is a byte offset into it.
 */

/** Counts of each 0..255 level of the `n` bytes at `levels`, into the 256 counts at `hist` (overwritten). */
export function histogram(levels: usize, n: i32, hist: usize): void {
  memory.fill(hist, 0, 256 << 2);
  for (let i = 0; i < n; i++) {
    const bin = hist + ((<usize>load<u8>(levels + <usize>i)) << 2);
    store<u32>(bin, load<u32>(bin) + 1);
  }
}

/**
 * The smallest bin index at or below which at least `q` of the `total` counts lie, over the
 * `bins` counts at `hist` (q in 0..1; `total` their sum).
 */
export function quantile(hist: usize, bins: i32, q: f64, total: f64): i32 {
  const target = Math.max(1, Math.ceil(q * total));
  // scanned from the nearer end: the paper of a light picture, its upper quantiles, lies near the top
  if (q > 0.5) {
    let atOrBelow = total;
    for (let i = bins - 1; i > 0; i--) {
      atOrBelow -= <f64>load<u32>(hist + ((<usize>i) << 2));
      if (atOrBelow < target) return i;
    }
    return 0;
  }
  let seen: f64 = 0;
  for (let i = 0; i < bins; i++) {
    seen += <f64>load<u32>(hist + ((<usize>i) << 2));
    if (seen >= target) return i;
  }
  return bins - 1;
}

/** The sum of the `bins` counts at `hist`. */
export function total(hist: usize, bins: i32): f64 {
  let n: f64 = 0;
  for (let i = 0; i < bins; i++) n += <f64>load<u32>(hist + ((<usize>i) << 2));
  return n;
}
