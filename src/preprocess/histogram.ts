/**
 * Level histograms and their quantiles: every statistic of the pipeline is read from one of
 * these, in O(pixels). JavaScript, not a WebAssembly kernel: copying the levels into the
 * kernels' memory costs what the kernel's loop saves (docs/ARCHITECTURE.md, "Kernels in
 * WebAssembly").
 */

import { slabU32 } from '../slab.js';

/**
 * The odd pixels' counts while histogram() runs, all zero between calls. Kept, not allocated per
 * call: a typed array over 64 bytes lives outside the JavaScript heap, and for a 28x28 digit
 * allocating it costs about as much as counting the pixels (see background.ts' scratch counts).
 */
const oddCounts = new Uint32Array(256);

/** Counts of each 0..255 level. */
export function histogram(levels: Uint8Array): Uint32Array {
  // neighbouring pixels mostly share a level, and a count incremented twice in a row waits for
  // its first store: the even and the odd pixels are counted apart, then added
  const hist = slabU32(256);
  const odd = oddCounts;
  let i = 0;
  for (; i + 1 < levels.length; i += 2) {
    hist[levels[i]!]!++;
    odd[levels[i + 1]!]!++;
  }
  if (i < levels.length) hist[levels[i]!]!++;
  for (let v = 0; v < 256; v++) {
    hist[v]! += odd[v]!;
    odd[v] = 0;
  }
  return hist;
}

/**
 * The smallest bin index at or below which at least `q` of the `total` counts lie (q in 0..1;
 * `total` is the histogram's sum). The counts may be a stretch of running counts: `bins` of
 * them from `at`, less those from `less` (one cell's own counts, background.ts).
 */
export function quantile(hist: Uint32Array, q: number, total = histogramTotal(hist), at = 0, bins = hist.length, less = -1): number {
  const target = Math.max(1, Math.ceil(q * total));
  // scanned from the nearer end: the paper of a light picture, its upper quantiles, lies near the top
  if (q > 0.5) {
    let atOrBelow = total;
    for (let i = bins - 1; i > 0; i--) {
      atOrBelow -= hist[at + i]! - (less < 0 ? 0 : hist[less + i]!);
      if (atOrBelow < target) return i;
    }
    return 0;
  }
  let seen = 0;
  for (let i = 0; i < bins; i++) {
    seen += hist[at + i]! - (less < 0 ? 0 : hist[less + i]!);
    if (seen >= target) return i;
  }
  return bins - 1;
}

/** The counts' sum: pass it to quantile() when reading several quantiles of one histogram. */
export function histogramTotal(hist: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < hist.length; i++) n += hist[i]!;
  return n;
}
