/**
 * Level histograms and their quantiles: every statistic of the pipeline is read from one of
 * these, in O(pixels). The counting runs in a WebAssembly kernel (assembly/histogram.ts).
 */
import { kernels, place, placeCopy, scoped, u32 } from '../kernels.js';

/** Counts of each 0..255 level. */
export function histogram(levels: Uint8Array): Uint32Array {
  return scoped(() => {
    const hist = place(256 * 4);
    kernels.histogram(placeCopy(levels), levels.length, hist);
    return u32(hist, 256).slice();
  });
}

/** The smallest bin index at or below which at least `q` of the `total` counts lie (q in 0..1; `total` is the histogram's sum). */
export function quantile(hist: Uint32Array, q: number, total?: number): number {
  return scoped(() => {
    const counts = placeCopy(hist);
    return kernels.quantile(counts, hist.length, q, total ?? kernels.total(counts, hist.length));
  });
}
