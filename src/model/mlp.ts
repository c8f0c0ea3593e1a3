/**
 * The model core: a chain of dense layers, run over a whole batch at once.
 * Pure computation on Float32Array buffers; nothing here knows about HTTP or files.
 *
 * Layout conventions (shared with the weights files and the book's numpy code):
 *   x  (n, in)   row-major, one image per row
 *   W  (in, out) row-major, so x @ W -> (n, out)
 *   b  (out)
 */
import { z } from 'zod';
import { f32, kernels, place, placeCopy, release, reside, scoped } from '../kernels.js';

export const HiddenActivation = z.enum(['sigmoid', 'relu']);
export type HiddenActivation = z.infer<typeof HiddenActivation>;

/**
 * Far more layers than any network this service runs; a bound, so a hostile weights file's
 * architecture is refused at its length instead of costing one check per element.
 */
export const MAX_LAYERS = 64;

/** The architecture as recorded in a weights file: layer widths and one activation per hidden layer. */
export const Architecture = z
  .object({
    sizes: z
      .array(z.number().int().positive())
      .min(2)
      .max(MAX_LAYERS + 1),
    hidden: HiddenActivation.array().max(MAX_LAYERS - 1),
    output: z.literal('softmax'),
  })
  .refine((a) => a.hidden.length === a.sizes.length - 2, {
    message: 'there must be one hidden activation per hidden layer (sizes.length - 2)',
  });
export type Architecture = z.infer<typeof Architecture>;

export interface DenseLayer {
  readonly inSize: number;
  readonly outSize: number;
  /** (inSize, outSize) row-major */
  readonly weights: Float32Array;
  /** (outSize) */
  readonly bias: Float32Array;
  /** applied after the affine map; 'softmax' only on the last layer */
  readonly activation: HiddenActivation | 'softmax';
  /** where `weights` and `bias` are kept in the kernels' memory, for a network that serves (residentMlp) */
  readonly resident?: { readonly weights: number; readonly bias: number };
}

export interface Mlp {
  readonly layers: readonly DenseLayer[];
  readonly inputSize: number;
  readonly classes: number;
}

export class ModelShapeError extends Error {
  override name = 'ModelShapeError';
}

/** Build an MLP from an architecture and its parameters, checking every shape and value. */
export function createMlp(arch: Architecture, params: readonly { weights: Float32Array; bias: Float32Array }[]): Mlp {
  const { sizes, hidden } = arch;
  if (params.length !== sizes.length - 1) {
    throw new ModelShapeError(`expected ${sizes.length - 1} layers for sizes ${sizes.join('-')}, got ${params.length}`);
  }
  const layers = params.map((p, i): DenseLayer => {
    const inSize = sizes[i]!;
    const outSize = sizes[i + 1]!;
    if (p.weights.length !== inSize * outSize) {
      throw new ModelShapeError(`layer ${i + 1}: weights hold ${p.weights.length} values, expected ${inSize}x${outSize}`);
    }
    if (p.bias.length !== outSize) {
      throw new ModelShapeError(`layer ${i + 1}: bias holds ${p.bias.length} values, expected ${outSize}`);
    }
    assertFinite(p.weights, `layer ${i + 1} weights`);
    assertFinite(p.bias, `layer ${i + 1} bias`);
    return { inSize, outSize, weights: p.weights, bias: p.bias, activation: i < hidden.length ? hidden[i]! : 'softmax' };
  });
  return { layers, inputSize: sizes[0]!, classes: sizes[sizes.length - 1]! };
}

/**
 * The network with its parameters kept in the kernels' memory, for serving: each forward pass
 * reads them there instead of copying them in (for one image, the copy took half the pass).
 * It holds copies, so training the original changes nothing here; `release` frees them.
 */
export function residentMlp(mlp: Mlp): { readonly mlp: Mlp; release(): void } {
  const layers = mlp.layers.map((layer): DenseLayer => {
    const weights = layer.weights.slice();
    const bias = layer.bias.slice();
    return { ...layer, weights, bias, resident: { weights: reside(weights), bias: reside(bias) } };
  });
  return {
    mlp: { ...mlp, layers },
    release: () => {
      for (const { resident } of layers) {
        release(resident!.weights);
        release(resident!.bias);
      }
    },
  };
}

export function architectureOf(mlp: Mlp): Architecture {
  return {
    sizes: [mlp.inputSize, ...mlp.layers.map((l) => l.outSize)],
    hidden: mlp.layers.slice(0, -1).map((l) => l.activation as HiddenActivation),
    output: 'softmax',
  };
}

/** "784-50-100-10 sigmoid/sigmoid/softmax", for logs and model cards. */
export function describeArchitecture(arch: Architecture): string {
  return `${arch.sizes.join('-')} ${[...arch.hidden, arch.output].join('/')}`;
}

function assertFinite(values: Float32Array, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new ModelShapeError(`${what}: value #${i} is ${values[i]} (weights must be finite)`);
    }
  }
}

/**
 * Affine map for a batch: x (n,in) @ W (in,out) + b -> out (n,out).
 * Each row is computed alone, in the same order whatever n is, so one image and
 * the same image inside a batch give bit-identical results. Zero inputs are
 * skipped (most MNIST pixels are 0 and 0 * finite w adds nothing); sums are kept
 * in float64, four inputs added to each output per pass, and rounded once to
 * float32. The loops are a WebAssembly kernel (assembly/affine.ts), kept while it
 * beats the same loops in JavaScript (docs/ARCHITECTURE.md, "Kernels in
 * WebAssembly"); a resident layer's weights are already in its memory, others are
 * copied in; rows go through it in chunks, so its memory stays small.
 */
export function affine(x: Float32Array, n: number, layer: DenseLayer, out: Float32Array): Float32Array {
  const { inSize, outSize, weights, bias, resident } = layer;
  scoped(() => {
    const w = resident?.weights ?? placeCopy(weights);
    const b = resident?.bias ?? placeCopy(bias);
    const acc = place(8 * outSize);
    const nonZero = place(4 * inSize);
    for (let r0 = 0; r0 < n; r0 += AFFINE_CHUNK_ROWS) {
      const rows = Math.min(AFFINE_CHUNK_ROWS, n - r0);
      scoped(() => {
        const result = place(4 * rows * outSize);
        kernels.affine(placeCopy(x.subarray(r0 * inSize, (r0 + rows) * inSize)), rows, inSize, outSize, w, b, result, acc, nonZero);
        out.set(f32(result, rows * outSize), r0 * outSize);
      });
    }
  });
  return out;
}

/** Rows per call of the affine kernel: its buffers for them stay under a few megabytes. */
const AFFINE_CHUNK_ROWS = 512;

/** Logistic sigmoid in place; exp overflow gives exactly 0 or 1, never NaN. */
export function sigmoidInPlace(v: Float32Array): Float32Array {
  for (let i = 0; i < v.length; i++) v[i] = 1 / (1 + Math.exp(-v[i]));
  return v;
}

export function reluInPlace(v: Float32Array): Float32Array {
  for (let i = 0; i < v.length; i++) if (v[i] < 0) v[i] = 0;
  return v;
}

/** log(sum(exp(row))) computed as max + log(sum(exp(row - max))) so that it never overflows. */
export function logSumExp(v: ArrayLike<number>, offset = 0, length = v.length - offset): number {
  let max = -Infinity;
  for (let j = 0; j < length; j++) if (v[offset + j] > max) max = v[offset + j];
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let j = 0; j < length; j++) sum += Math.exp(v[offset + j] - max);
  return max + Math.log(sum);
}

/** Row-wise softmax in place over (n, k); subtracting the row max keeps exp finite (book eq. 3.11). */
export function softmaxRowsInPlace(v: Float32Array, n: number, k: number): Float32Array {
  for (let r = 0; r < n; r++) {
    const off = r * k;
    let max = -Infinity;
    for (let j = 0; j < k; j++) if (v[off + j] > max) max = v[off + j];
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(v[off + j] - max);
    for (let j = 0; j < k; j++) v[off + j] = Math.exp(v[off + j] - max) / sum;
  }
  return v;
}

function activateInPlace(v: Float32Array, layer: DenseLayer, n: number): void {
  switch (layer.activation) {
    case 'sigmoid':
      sigmoidInPlace(v);
      break;
    case 'relu':
      reluInPlace(v);
      break;
    case 'softmax':
      softmaxRowsInPlace(v, n, layer.outSize);
      break;
  }
}

/**
 * Run the network to the last layer's pre-activation values: x (n, inputSize) -> logits (n, classes).
 * `keep` receives every hidden layer's output, for backpropagation.
 */
export function logits(mlp: Mlp, x: Float32Array, n: number, keep?: Float32Array[]): Float32Array {
  if (x.length !== n * mlp.inputSize) {
    throw new ModelShapeError(`input holds ${x.length} values, expected ${n}x${mlp.inputSize}`);
  }
  let h = x;
  for (const layer of mlp.layers) {
    const out = affine(h, n, layer, new Float32Array(n * layer.outSize));
    if (layer.activation !== 'softmax') {
      activateInPlace(out, layer, n);
      keep?.push(out);
    }
    h = out;
  }
  return h;
}

/** x (n, inputSize) -> probabilities (n, classes), each row summing to 1. */
export function forward(mlp: Mlp, x: Float32Array, n: number): Float32Array {
  return softmaxRowsInPlace(logits(mlp, x, n), n, mlp.classes);
}

/** Index of the largest value of each row (softmax keeps the order, so logits give the same answer). */
export function argmaxRows(v: Float32Array, n: number, k: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (v[r * k + j] > v[r * k + best]) best = j;
    out[r] = best;
  }
  return out;
}
