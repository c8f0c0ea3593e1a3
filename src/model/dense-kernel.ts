/**
 * The dense layers' WebAssembly kernel (assembly/affine.ts, dist/model.wasm), kept while it
 * beats the same loops in JavaScript (docs/ARCHITECTURE.md, "Kernels in WebAssembly").
 *
 * Each kernel is an instance of its own with its own memory, laid out once for its network's
 * shape: every layer's parameters, then the affine map's scratch, then two buffers of rows that
 * the layers pass back and forth. No allocator: the offsets follow from the layer sizes. A
 * served network holds a kernel with its parameters copied in once (`holding`), out of reach
 * of the pixel kernels that parse uploads; a network being trained runs on a shared kernel
 * that takes its current parameters on every call (`scratch`).
 *
 * The affine map x @ W + b computes each row alone, in the same order whatever the batch, so
 * one image and the same image inside a batch give bit-identical results; it skips zero inputs
 * (most MNIST pixels are 0, and 0 * finite w adds nothing), keeps sums in float64, four inputs
 * added to each output per pass, and rounds once to float32.
 *
 * A chunk of rows is copied in once, goes through every layer inside the memory (the
 * activations are applied to a view of it, in JavaScript: Math.exp there is what the results
 * have always been computed with) and its last layer's output is copied out once.
 */
import { alignUp, growTo, instantiate, type WasmMemory } from '../kernels/wasm.js';

interface ModelExports {
  readonly memory: WasmMemory;
  heapBase(): number;
  affine(x: number, n: number, inSize: number, outSize: number, w: number, b: number, out: number, acc: number, nonZero: number): void;
}

/** A dense layer's affine map as the kernel takes it: W (inSize, outSize) row-major, b (outSize). */
export interface AffineParams {
  readonly inSize: number;
  readonly outSize: number;
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

/** Rows per chunk: the two row buffers stay under a few megabytes for any network served here. */
const CHUNK_ROWS = 512;

interface Layout {
  /** per layer: where its weights and bias are */
  readonly params: readonly { readonly weights: number; readonly bias: number }[];
  readonly acc: number;
  readonly nonZero: number;
  /** the two row buffers (CHUNK_ROWS x the widest layer, f32 each) */
  readonly rows: readonly [number, number];
  readonly end: number;
}

function layoutFor(layers: readonly AffineParams[], heapBase: number): Layout {
  let at = alignUp(heapBase, 16);
  const take = (bytes: number) => {
    const start = at;
    at = alignUp(at + bytes, 16);
    return start;
  };
  const params = layers.map((layer) => ({ weights: take(4 * layer.weights.length), bias: take(4 * layer.bias.length) }));
  const widest = Math.max(...layers.flatMap((layer) => [layer.inSize, layer.outSize]));
  const acc = take(8 * Math.max(...layers.map((layer) => layer.outSize)));
  const nonZero = take(4 * Math.max(...layers.map((layer) => layer.inSize)));
  const rows: [number, number] = [take(4 * CHUNK_ROWS * widest), take(4 * CHUNK_ROWS * widest)];
  return { params, acc, nonZero, rows, end: at };
}

/** `activate(values, layer)`: applied to a layer's output, `values` (rows x outSize), in place, before the next layer reads it. */
export type Activate = (values: Float32Array, layer: number) => void;

let shared: DenseKernel | undefined;

export class DenseKernel {
  private exports: ModelExports | undefined;
  private layout: Layout | undefined;

  private constructor(private readonly held: readonly AffineParams[] | undefined) {
    this.exports = instantiate<ModelExports>('model', {});
    if (held) this.load(held);
  }

  /** A kernel of its own for a network that serves: its parameters copied in now, for good. */
  static holding(layers: readonly AffineParams[]): DenseKernel {
    return new DenseKernel(layers);
  }

  /** The kernel shared by networks whose parameters change between calls (training): `layers` copied in on every run. */
  static scratch(): DenseKernel {
    return (shared ??= new DenseKernel(undefined));
  }

  /**
   * x (n, first layer's inSize) through every layer; the last layer's output is written to
   * `out` (n x its outSize), `keep[i]` (when given, n x layer i's outSize) receives layer i's
   * activated output. Each row is computed alone, so a row gives the same values to the bit
   * whatever else is in the batch.
   */
  run(layers: readonly AffineParams[], x: Float32Array, n: number, activate: Activate, out: Float32Array, keep?: Float32Array[]): void {
    const kernel = this.exports;
    if (kernel === undefined) throw new Error('this network was released');
    if (this.held === undefined) this.load(layers);
    else if (layers !== this.held) throw new Error('a kernel holding a network runs that network only');
    const { params, acc, nonZero, rows } = this.layout!;
    const inSize = layers[0]!.inSize;
    for (let r0 = 0; r0 < n; r0 += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, n - r0);
      const f32 = (at: number, length: number) => new Float32Array(kernel.memory.buffer, at, length);
      f32(rows[0], count * inSize).set(x.subarray(r0 * inSize, (r0 + count) * inSize));
      layers.forEach((layer, i) => {
        const [from, to] = i % 2 === 0 ? rows : [rows[1], rows[0]];
        kernel.affine(from, count, layer.inSize, layer.outSize, params[i]!.weights, params[i]!.bias, to, acc, nonZero);
        const values = f32(to, count * layer.outSize);
        activate(values, i);
        keep?.[i]?.set(values, r0 * layer.outSize);
        if (i === layers.length - 1) out.set(values, r0 * layer.outSize);
      });
    }
  }

  /** The memory given back: a later run throws. */
  release(): void {
    this.exports = undefined;
    this.layout = undefined;
  }

  private load(layers: readonly AffineParams[]): void {
    const kernel = this.exports!;
    const layout = layoutFor(layers, kernel.heapBase());
    growTo(kernel.memory, layout.end);
    layers.forEach((layer, i) => {
      new Float32Array(kernel.memory.buffer, layout.params[i]!.weights, layer.weights.length).set(layer.weights);
      new Float32Array(kernel.memory.buffer, layout.params[i]!.bias, layer.bias.length).set(layer.bias);
    });
    this.layout = layout;
  }
}
