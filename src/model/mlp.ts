/**
 * The model core: a chain of dense layers, run over a whole batch at once.
 * Pure computation on Float32Array buffers; nothing here knows about HTTP or files. The dense
 * layers' loops are a WebAssembly kernel (dense-kernel.ts) compiled on the first forward pass:
 * importing this module reads no file.
 *
 * Layout conventions (shared with the weights files and the book's numpy code):
 *   x  (n, in)   row-major, one image per row
 *   W  (in, out) row-major, so x @ W -> (n, out)
 *   b  (out)
 */
import { z } from 'zod';
import { DenseKernel } from './dense-kernel.js';
import { slabF32 } from '../slab.js';

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
}

export interface Mlp {
  readonly layers: readonly DenseLayer[];
  readonly inputSize: number;
  readonly classes: number;
  /** the kernel holding these layers' parameters, for a network that serves (residentMlp) */
  readonly kernel?: DenseKernel;
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
 * The network with its parameters held by a kernel of its own, for serving: each forward pass
 * reads them there instead of copying them in, and no other kernel's memory holds them. It
 * holds copies, so training the original changes nothing here; `release` gives the kernel's
 * memory back.
 */
export function residentMlp(mlp: Mlp): { readonly mlp: Mlp; release(): void } {
  const layers = mlp.layers.map((layer): DenseLayer => ({ ...layer, weights: layer.weights.slice(), bias: layer.bias.slice() }));
  const kernel = DenseKernel.holding(layers);
  return { mlp: { ...mlp, layers, kernel }, release: () => kernel.release() };
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

/**
 * Run the network to the last layer's pre-activation values: x (n, inputSize) -> logits (n, classes).
 * `keep` receives every hidden layer's output, for backpropagation.
 */
export function logits(mlp: Mlp, x: Float32Array, n: number, keep?: Float32Array[]): Float32Array {
  if (x.length !== n * mlp.inputSize) {
    throw new ModelShapeError(`input holds ${x.length} values, expected ${n}x${mlp.inputSize}`);
  }
  const { layers } = mlp;
  const out = slabF32(n * mlp.classes);
  const hidden = keep && layers.slice(0, -1).map((layer) => new Float32Array(n * layer.outSize));
  (mlp.kernel ?? DenseKernel.scratch()).run(layers, x, n, (values, i) => activateHidden(values, layers[i]!.activation), out, hidden);
  if (hidden) keep!.push(...hidden);
  return out;
}

/** A hidden layer's activation in place; the last layer's softmax is the caller's (forward), or skipped (argmax). */
function activateHidden(values: Float32Array, activation: DenseLayer['activation']): void {
  if (activation === 'sigmoid') sigmoidInPlace(values);
  else if (activation === 'relu') reluInPlace(values);
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
