/**
 * The kernels compiled from assembly/ to WebAssembly (npm run build:kernels writes
 * dist/kernels.wasm; the build and test scripts run it first): the JPEG scan's decoding, speck
 * removal, the stroke width, the fit's resampling and the dense layers' affine map. And the
 * module's memory, where callers place a kernel's inputs and read its outputs.
 *
 * Memory is used as a stack: a caller places its buffers within `scoped`, which frees them as
 * it returns. Kernels run synchronously on the calling thread, so one caller at a time uses
 * it, and a picture's buffers are reused by the next picture instead of being allocated and
 * collected for each.
 */
import { readFileSync } from 'node:fs';

/** The part of the WebAssembly API used here (TypeScript's ES libraries do not declare it; Node has it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
};
interface Memory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface KernelExports {
  readonly memory: Memory;
  heapBase(): number;
  affine(x: number, n: number, inSize: number, outSize: number, w: number, b: number, out: number, acc: number, nonZero: number): void;
  huffmanTableBytes(): number;
  huffmanTable(counts: number, symbols: number, table: number): void;
  decodeScan(
    dataStart: number,
    fileEnd: number,
    components: number,
    count: number,
    mcusX: number,
    mcusY: number,
    interval: number,
    blockSide: number,
    quantiser: number,
    transform: number,
    scratch: number,
    plane: number,
    width: number,
    height: number,
  ): void;
  strokeWidth(ink: number, w: number, h: number): number;
  componentScratchPerPixel(): number;
  keepMainInk(levels: number, w: number, h: number, threshold: number, speckFraction: number, scratch: number, box: number): number;
  resample(
    src: number,
    count: number,
    lineStep: number,
    sampleStep: number,
    outSize: number,
    first: number,
    start: number,
    weights: number,
    dst: number,
    dstLineStep: number,
    dstStep: number,
  ): void;
}

/** src/ and dist/ both sit in the package, which holds dist/kernels.wasm. */
const WASM_FILE = new URL('../dist/kernels.wasm', import.meta.url);

function instantiate(): KernelExports {
  let bytes: Buffer;
  try {
    bytes = readFileSync(WASM_FILE);
  } catch (err) {
    throw new Error(`the pixel kernels are not built (${WASM_FILE.pathname}): run npm run build:kernels`, { cause: err });
  }
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { abort: kernelAbort, leave: refuse } })
    .exports as unknown as KernelExports;
}

/** An input that cannot be read (a damaged JPEG), thrown by `refuse`, by the host or through a kernel. */
export class InputRefused extends Error {}
const REFUSED = new InputRefused('the input cannot be read');

/** The kernels' leave(), and their host's: the caller decides what a refused input becomes. */
export function refuse(): never {
  throw REFUSED;
}

/** AssemblyScript's abort(), reached only by a bug in a kernel (they are built without assertions). */
function kernelAbort(): never {
  throw new Error('a WebAssembly pixel kernel aborted');
}

export const kernels = instantiate();

const PAGE = 65536;
const HEAP_START = alignUp(kernels.heapBase(), 16);
/**
 * Blocks kept for good below the stack (a served model's weights, copied in once instead of on
 * every call), in address order; the stack starts where the last one ends.
 */
const resident: { readonly at: number; readonly end: number }[] = [];
let stackBase = HEAP_START;
let top = HEAP_START;

function alignUp(offset: number, to: number): number {
  return Math.ceil(offset / to) * to;
}

/** The top of the stack: what callers have placed and not yet freed ends here. */
export const stackTop = (): number => top;

/** `use`'s result, with every buffer it placed freed afterwards, whatever happens. */
export function scoped<T>(use: () => T): T {
  const at = top;
  try {
    return use();
  } finally {
    top = at;
  }
}

/** `bytes` of the module's memory (8-byte aligned, contents undefined), growing it when needed. */
export function place(bytes: number): number {
  const at = alignUp(top, 8);
  top = at + bytes;
  growTo(top);
  return at;
}

function growTo(end: number): void {
  const missing = end - kernels.memory.buffer.byteLength;
  if (missing > 0) kernels.memory.grow(Math.ceil(missing / PAGE));
}

/**
 * `data` copied into the memory to stay there, below the stack, until `release`: in the first
 * gap a released block left that fits, or else on top, moving the stack up. Only between kernel
 * calls, when nothing is placed on the stack.
 */
export function reside(data: Float32Array): number {
  if (top !== stackBase) throw new Error('reside() while buffers are placed on the stack');
  const size = alignUp(data.byteLength, 16);
  let at = HEAP_START;
  let i = 0;
  while (i < resident.length && resident[i]!.at - at < size) at = resident[i++]!.end;
  resident.splice(i, 0, { at, end: at + size });
  stackBase = top = resident.at(-1)!.end;
  growTo(top);
  f32(at, data.length).set(data);
  return at;
}

/** Frees a block `reside` kept; the stack moves down when it was the last and nothing is placed. */
export function release(at: number): void {
  const i = resident.findIndex((block) => block.at === at);
  if (i === -1) throw new Error(`no resident block at ${at}`);
  resident.splice(i, 1);
  if (top === stackBase) stackBase = top = resident.at(-1)?.end ?? HEAP_START;
}

/** Views of the memory (made afresh each call: growing the memory detaches earlier views). */
export const u8 = (at: number, length: number) => new Uint8Array(kernels.memory.buffer, at, length);
export const i32 = (at: number, length: number) => new Int32Array(kernels.memory.buffer, at, length);
export const f32 = (at: number, length: number) => new Float32Array(kernels.memory.buffer, at, length);

/** `data` copied into the memory; its offset. */
export function placeCopy(data: Uint8Array | Int32Array | Float32Array | Float64Array): number {
  const at = place(data.byteLength);
  new Uint8Array(kernels.memory.buffer, at, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return at;
}
