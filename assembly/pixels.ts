/**
 * The pixel kernels, compiled to WebAssembly (npm run build:kernels -> dist/pixels.wasm) and
 * called through src/kernels/pixels.ts: the loops over an upload's pixels where WebAssembly is
 * faster than the same JavaScript on V8 even after the copies into and out of its memory (or,
 * for inflate, than Node's zlib with its set-up per call). A
 * pass whose kernel no longer paid for those copies went back to JavaScript
 * (docs/ARCHITECTURE.md, "Kernels in WebAssembly"). They read untrusted input (a JPEG's scan),
 * so their memory holds nothing but the picture being read: the served networks run in
 * instances of their own (model.ts).
 */
export { decodeScan, huffmanTable, huffmanTableBytes } from './jpeg';
export { inflate } from './inflate';
export { unfilter } from './unfilter';
export { cellCounts, residual } from './background';
export { componentScratchPerPixel, keepMainInk } from './components';
export { fit, fitScratchBytes, strokeWidth } from './crop';
export { strokeMorph } from './morph';
export { heapBase } from './heap';
