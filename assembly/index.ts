/**
 * The pixel kernels of the preprocessing, compiled to WebAssembly (npm run build:kernels ->
 * dist/kernels.wasm) and called by src/preprocess/kernels.ts. Why: V8 keeps re-checking a typed
 * array inside a loop (its map, length and base, an overflow check per index), so a pass over a
 * picture's bytes runs about five times slower than compiled C here; WebAssembly runs it two to
 * three times faster than the same JavaScript (docs/ARCHITECTURE.md has the figures).
 */
export { histogram, quantile, total } from './histogram';
export { backgroundScratchBytes, subtractBackground } from './background';
export { decodeScan, huffmanTable, huffmanTableBytes } from './jpeg';
export { coverage, resample, strokeWidth } from './crop';
export { componentScratchPerPixel, keepMainInk } from './components';
export { affine } from './affine';

/**
 * Where the host may start placing its buffers: past the module's own data. The kernels never
 * allocate (the stub runtime, and their own scratch is static, memory.data): everything above
 * is the host's.
 */
export function heapBase(): usize {
  return __heap_base;
}
