/**
 * Named float32 tensors: the common ground between the weights file formats and the model.
 * Both formats use the book's names (ch. 3, `init_network`): W1, b1, W2, b2, ... with
 * Wi (in, out) and bi (out), so that x @ W1 + b1 feeds x @ W2 + b2 and so on.
 */
import { MAX_LAYERS, type DenseLayer, type Mlp } from '../mlp.js';
import { InvalidWeightsError } from './errors.js';
import { clip, listSome, thousands } from '../../one-line.js';

export interface Tensor {
  readonly shape: readonly number[];
  /** row-major (C order), whatever order the file stored */
  readonly data: Float32Array;
}
export type Tensors = ReadonlyMap<string, Tensor>;

/**
 * What a weights file may declare, far above what any network this service runs needs: the
 * limits let a hostile file be refused before it costs work, and keep every message short.
 */
/** one W and one b per layer */
export const MAX_TENSORS = 2 * MAX_LAYERS;
/** our tensors have 1 or 2 dimensions; a few more still get the precise "must be (in,out)" message */
export const MAX_DIMENSIONS = 8;
const MAX_NAME_CHARS = 256;

/** Refuses more tensors than a model can use (listing a few names), or a name longer than any a model uses. */
export function checkTensorNames(names: readonly string[]): void {
  if (names.length > MAX_TENSORS) {
    throw new InvalidWeightsError(
      `${thousands(names.length)} tensors (${listSome(names)}); a model has at most ${MAX_TENSORS}, one W and one b per layer`,
    );
  }
  const long = names.find((name) => name.length > MAX_NAME_CHARS);
  if (long !== undefined) throw new InvalidWeightsError(`tensor name ${clip(long)} is longer than ${MAX_NAME_CHARS} characters`);
}

/** Refuses a shape with more dimensions than MAX_DIMENSIONS, before anything iterates over it. */
export function checkDimensions(name: string, dimensions: number): void {
  if (dimensions > MAX_DIMENSIONS) {
    throw new InvalidWeightsError(`${name}: ${thousands(dimensions)} dimensions; a tensor may have at most ${MAX_DIMENSIONS}`);
  }
}

/**
 * Number of elements of a shape; 1 for a scalar (shape []). Past 2^53 the product is inexact,
 * but callers compare it with a byte count no buffer reaches, so it cannot make a wrong match.
 */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

export interface LayerParams {
  readonly sizes: number[];
  readonly params: Pick<DenseLayer, 'weights' | 'bias'>[];
}

/**
 * Layer widths and parameters read from W1, b1, W2, b2, ...: W1 (784,50), W2 (50,100),
 * W3 (100,10) give sizes 784-50-100-10. Checks that the names are exactly W1..Wn and b1..bn,
 * that the shapes chain, and that every value is finite, naming the tensor at fault.
 */
export function layersFromTensors(tensors: Tensors): LayerParams {
  const layerCount = tensors.size / 2;
  // Map keys are distinct: 2n names, each W1..Wn or b1..bn, are exactly W1..Wn and b1..bn.
  if (tensors.size === 0 || [...tensors.keys()].some((name) => layerOf(name) > layerCount)) {
    throw new InvalidWeightsError(
      `expected tensors W1, b1, W2, b2, ... (one W and one b per layer), found ${listSome([...tensors.keys()])}`,
    );
  }
  const sizes: number[] = [];
  const params: LayerParams['params'] = [];
  for (let i = 1; i <= layerCount; i++) {
    const w = tensors.get(`W${i}`)!;
    const b = tensors.get(`b${i}`)!;
    if (w.shape.length !== 2 || b.shape.length !== 1 || [...w.shape, ...b.shape].some((d) => d === 0)) {
      throw new InvalidWeightsError(
        `W${i} ${formatShape(w.shape)} and b${i} ${formatShape(b.shape)} must be (in,out) and (out) with no empty dimension`,
      );
    }
    const [inSize, outSize] = w.shape as [number, number];
    if (i > 1 && inSize !== sizes[i - 1]) {
      throw new InvalidWeightsError(
        `W${i} has shape ${formatShape(w.shape)} but W${i - 1} outputs ${sizes[i - 1]} values (the shapes must chain)`,
      );
    }
    if (b.shape[0] !== outSize) {
      throw new InvalidWeightsError(`b${i} has shape ${formatShape(b.shape)} but W${i} outputs ${outSize} values`);
    }
    if (i === 1) sizes.push(inSize);
    sizes.push(outSize);
    assertFinite(`W${i}`, w.data);
    assertFinite(`b${i}`, b.data);
    params.push({ weights: w.data, bias: b.data });
  }
  return { sizes, params };
}

/** The layer a name belongs to (W3 and b3: 3), or Infinity for a name that is not a layer's. */
function layerOf(name: string): number {
  const match = /^[Wb]([1-9][0-9]*)$/.exec(name);
  return match === null ? Infinity : Number(match[1]);
}

/** The inverse of layersFromTensors: W1, b1, ... in layer order. The arrays are shared, not copied. */
export function tensorsFromMlp(mlp: Mlp): Tensors {
  return new Map(
    mlp.layers.flatMap((layer, i): [string, Tensor][] => [
      [`W${i + 1}`, { shape: [layer.inSize, layer.outSize], data: layer.weights }],
      [`b${i + 1}`, { shape: [layer.outSize], data: layer.bias }],
    ]),
  );
}

function assertFinite(name: string, values: Float32Array): void {
  const i = values.findIndex((v) => !Number.isFinite(v));
  if (i >= 0) throw new InvalidWeightsError(`tensor ${name} holds ${values[i]} at index ${i} (weights must be finite)`);
}
