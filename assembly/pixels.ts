/**
 * The kernels, compiled to WebAssembly (npm run build:kernels -> dist/kernels.wasm) and called
 * through src/kernels.ts: the loops where WebAssembly is faster than the same JavaScript on V8
 * even after the copies into and out of its memory. A pass whose kernel no longer paid for those
 * copies went back to JavaScript (docs/ARCHITECTURE.md, "Kernels in WebAssembly").
 */
export { decodeScan, huffmanTable, huffmanTableBytes } from './jpeg';
export { componentScratchPerPixel, keepMainInk } from './components';
export { resample, strokeWidth } from './crop';
export { affine } from './affine';

/**
 * Where the host may start placing its buffers: past the module's own data. The kernels never
 * allocate (the stub runtime, and their own scratch is static, memory.data): everything above
 * is the host's.
 */
export function heapBase(): usize {
  return __heap_base;
}
