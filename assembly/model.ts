/**
 * The dense layers' kernel, compiled to WebAssembly (npm run build:kernels -> dist/model.wasm)
 * and run by src/model/dense-kernel.ts: a served network is an instance of this module of its
 * own, its parameters in its own memory, apart from the memory where the pixel kernels parse
 * uploads.
 */
export { affine } from './affine';
export { heapBase } from './heap';
