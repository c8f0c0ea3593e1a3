/**
 * The pixel kernels (assembly/pixels.ts, dist/pixels.wasm): a PNG's inflate and unfiltering,
 * the JPEG scan's decoding, the background's subtraction, speck removal, the stroke width, the
 * strokes' erosion and dilation and the fit into the digit's box.
 * And their memory, where callers place a kernel's inputs and read its outputs. It holds only
 * the picture being read: the served networks have instances of their own
 * (src/model/dense-kernel.ts), out of reach of a kernel that parses an untrusted file.
 *
 * Memory is used as a stack: a caller places its buffers within `scoped`, which frees them as
 * it returns. Kernels run synchronously on the calling thread, so one caller at a time uses
 * it, and a picture's buffers are reused by the next picture instead of being allocated and
 * collected for each.
 */
import { alignUp, growTo, instantiate, type WasmMemory } from './wasm.js';

interface PixelExports {
  readonly memory: WasmMemory;
  heapBase(): number;
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
  inflate(src: number, length: number, out: number, cap: number): number;
  unfilter(src: number, stride: number, height: number, bpp: number, out: number): void;
  cellCounts(data: number, w: number, h: number, cell: number, gw: number, gh: number, running: number, odd: number): void;
  residual(
    data: number,
    w: number,
    h: number,
    grid: number,
    gw: number,
    gh: number,
    xIndex: number,
    xWeight: number,
    xEnd: number,
    yIndex: number,
    yWeight: number,
    sign: number,
    row: number,
    levels: number,
    signed: number,
  ): void;
  strokeWidth(ink: number, stride: number, w: number, h: number, threshold: number): number;
  strokeMorph(ink: number, w: number, h: number, pad: number, dilate: number, limit: number, d: number, out: number, box: number): number;
  componentScratchPerPixel(): number;
  keepMainInk(levels: number, w: number, h: number, threshold: number, speckFraction: number, scratch: number, box: number): number;
  fitScratchBytes(bw: number, bh: number, ow: number, oh: number): number;
  fit(
    src: number,
    srcWidth: number,
    x0: number,
    y0: number,
    bw: number,
    bh: number,
    ow: number,
    oh: number,
    scratch: number,
    out: number,
  ): void;
}

/** An input that cannot be read (a damaged JPEG), thrown by `refuse`, by the host or through a kernel. */
export class InputRefused extends Error {}
const REFUSED = new InputRefused('the input cannot be read');

/** The kernels' leave(), and their host's: the caller decides what a refused input becomes. */
export function refuse(): never {
  throw REFUSED;
}

let instance: PixelExports | undefined;
let top = 0;

/** The kernels, instantiated on first use. */
export function pixelKernels(): PixelExports {
  if (instance === undefined) {
    instance = instantiate<PixelExports>('pixels', { leave: refuse });
    top = alignUp(instance.heapBase(), 16);
  }
  return instance;
}

/** The top of the stack: what callers have placed and not yet freed ends here. */
export const stackTop = (): number => (pixelKernels(), top);

/** `use`'s result, with every buffer it placed freed afterwards, whatever happens. */
export function scoped<T>(use: () => T): T {
  const at = stackTop();
  try {
    return use();
  } finally {
    top = at;
  }
}

/** `bytes` of the memory (8-byte aligned, contents undefined), growing it when needed. */
export function place(bytes: number): number {
  const at = alignUp(stackTop(), 8);
  top = at + bytes;
  growTo(pixelKernels().memory, top);
  return at;
}

/** Views of the memory (made afresh each call: growing the memory detaches earlier views). */
export const u8 = (at: number, length: number) => new Uint8Array(pixelKernels().memory.buffer, at, length);
export const i32 = (at: number, length: number) => new Int32Array(pixelKernels().memory.buffer, at, length);
export const u32 = (at: number, length: number) => new Uint32Array(pixelKernels().memory.buffer, at, length);
export const f32 = (at: number, length: number) => new Float32Array(pixelKernels().memory.buffer, at, length);

/** `data` copied into the memory; its offset. */
export function placeCopy(data: Uint8Array | Int32Array | Float32Array | Float64Array): number {
  const at = place(data.byteLength);
  u8(at, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return at;
}
