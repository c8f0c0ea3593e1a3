/**
 * numpy arrays inside a pickle, as numpy's ndarray.__reduce__ writes them for protocols 2 to 4
 * (numpy/_core/src/multiarray/methods.c, array_reduce and array_setstate; descriptor.c for dtype):
 *   _reconstruct(ndarray, (0,), b'b')                          an empty array, then
 *   BUILD (1, shape, dtype, is_fortran, raw bytes)             its contents
 *   dtype('f4', False, True), BUILD (3, '<', None, None, None, -1, -1, 0)   float32, little-endian
 * Protocol 2 stores those bytes as _codecs.encode(str, 'latin1'), which pickle.ts reads.
 * Only float32 and float64 are read, either byte order, C or Fortran order; every array
 * becomes a row-major Float32Array.
 */
import { createMlp, type Architecture, type Mlp } from '../mlp.js';
import { InvalidWeightsError } from './errors.js';
import { clip } from '../../one-line.js';
import { describeValue, unpickle, type PickleBuildable, type PickleGlobal, type PickleWork } from './pickle.js';
import {
  checkDimensions,
  checkTensorNames,
  elementCount,
  formatShape,
  layersFromTensors,
  MAX_TENSORS,
  type Tensor,
  type Tensors,
} from './tensors.js';

/** numpy type strings we read, and their sizes in bytes */
const ITEM_BYTES: ReadonlyMap<unknown, 4 | 8> = new Map([
  ['f4', 4],
  ['f8', 8],
]);

class PickledDtype implements PickleBuildable {
  /** set by BUILD; numpy always pickles the dtype's state */
  littleEndian: boolean | undefined;

  constructor(readonly itemBytes: 4 | 8) {}

  build(state: unknown): void {
    // numpy sets a state once; a second BUILD could only be a pickle multiplying work
    if (this.littleEndian !== undefined) throw new InvalidWeightsError('numpy dtype: the state is set twice');
    if (!Array.isArray(state) || state.length < 5) throw new InvalidWeightsError('numpy dtype: unexpected state');
    const [, order, subarray, names, fields] = state as unknown[];
    if (subarray !== null || names !== null || fields !== null) {
      throw new InvalidWeightsError('numpy dtype: structured and sub-array dtypes are not supported');
    }
    // '|' (no byte order) only belongs to one-byte types, never to a float.
    if (order !== '<' && order !== '>') throw new InvalidWeightsError(`numpy dtype: byte order ${describeValue(order)} is not < or >`);
    this.littleEndian = order === '<';
  }
}

class PickledArray implements PickleBuildable {
  tensor: Tensor | undefined;

  build(state: unknown, work: PickleWork): void {
    if (this.tensor !== undefined) throw new InvalidWeightsError('numpy array: the state is set twice');
    if (!Array.isArray(state) || state.length !== 5) {
      throw new InvalidWeightsError('numpy array: the state is not (version, shape, dtype, is_fortran, data)');
    }
    const [version, shape, dtype, fortran, raw] = state as unknown[];
    if (version !== 1) throw new InvalidWeightsError(`numpy array: state version ${describeValue(version)} is not 1`);
    if (!Array.isArray(shape)) throw new InvalidWeightsError('numpy array: the shape is not a tuple');
    checkDimensions('numpy array', shape.length);
    if (!isShape(shape)) throw new InvalidWeightsError('numpy array: the shape is not a tuple of sizes');
    if (!(dtype instanceof PickledDtype) || dtype.littleEndian === undefined) {
      throw new InvalidWeightsError('numpy array: the dtype is not a built numpy.dtype');
    }
    if (typeof fortran !== 'boolean' || !(raw instanceof Uint8Array)) {
      throw new InvalidWeightsError('numpy array: is_fortran must be a bool and the data bytes');
    }
    const count = elementCount(shape);
    if (raw.length !== count * dtype.itemBytes) {
      throw new InvalidWeightsError(
        `numpy array: ${raw.length} data bytes, shape ${formatShape(shape)} of f${dtype.itemBytes} needs ${count * dtype.itemBytes}`,
      );
    }
    work.charge(raw.length);
    const values = decode(raw, dtype.itemBytes, dtype.littleEndian, count);
    this.tensor = { shape, data: fortran ? fortranToC(values, shape) : values };
  }
}

function isShape(value: readonly unknown[]): value is readonly number[] {
  return value.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0);
}

/** Element by element through a DataView: any byte order, any alignment; float64 rounds to the nearest float32. */
function decode(raw: Uint8Array, itemBytes: 4 | 8, littleEndian: boolean, count: number): Float32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = itemBytes === 4 ? view.getFloat32(i * 4, littleEndian) : view.getFloat64(i * 8, littleEndian);
  }
  return out;
}

/**
 * Column-major to row-major: element (i0, i1, ..) sits at i0 + d0 * (i1 + d1 * (..)) in Fortran
 * order. The source offset follows the row-major index step by step; axes of size 1 are dropped
 * first, for they change no offset and would make every step carry through them.
 */
function fortranToC(src: Float32Array, shape: readonly number[]): Float32Array {
  const out = new Float32Array(src.length);
  const axes = shape.filter((d) => d > 1);
  let stride = 1;
  const strides = axes.map((d) => {
    const s = stride;
    stride *= d;
    return s;
  });
  const index = axes.map(() => 0);
  let f = 0;
  for (let c = 0; c < src.length; c++) {
    out[c] = src[f]!;
    // next index in row-major order: the last axis moves fastest
    for (let k = axes.length - 1; k >= 0; k--) {
      if (++index[k]! < axes[k]!) {
        f += strides[k]!;
        break;
      }
      index[k] = 0;
      f -= (axes[k]! - 1) * strides[k]!;
    }
  }
  return out;
}

const ndarray: PickleGlobal = {
  name: 'numpy.ndarray',
  reduce() {
    throw new InvalidWeightsError('numpy.ndarray may only be passed to _reconstruct');
  },
};

/** Counts the objects of one kind a pickle makes, refusing more than a model can use. */
function counter(what: string): () => void {
  let made = 0;
  return () => {
    if (++made > MAX_TENSORS) throw new InvalidWeightsError(`more than ${MAX_TENSORS} ${what}; a model has at most ${MAX_TENSORS} tensors`);
  };
}

const dtype = (count: () => void): PickleGlobal => ({
  name: 'numpy.dtype',
  reduce([typestr]) {
    const itemBytes = ITEM_BYTES.get(typestr);
    if (itemBytes === undefined) {
      throw new InvalidWeightsError(`numpy dtype ${describeValue(typestr)} is not supported (only f4 and f8)`);
    }
    count();
    return new PickledDtype(itemBytes);
  },
});

/** numpy 1 names the module numpy.core, numpy 2 numpy._core. */
const reconstruct = (name: string, count: () => void): PickleGlobal => ({
  name,
  reduce([subtype]) {
    if (subtype !== ndarray) throw new InvalidWeightsError(`${name} may only rebuild a numpy.ndarray`);
    count();
    return new PickledArray();
  },
});

/**
 * The only globals a weights pickle may name, made afresh for each pickle: they count the
 * arrays and dtypes it makes (numpy pickles one dtype per array at most), so that a pickle
 * declaring thousands is refused before they cost work.
 */
export function numpyGlobals(): readonly PickleGlobal[] {
  const countArray = counter('numpy arrays');
  return [
    reconstruct('numpy.core.multiarray._reconstruct', countArray),
    reconstruct('numpy._core.multiarray._reconstruct', countArray),
    ndarray,
    dtype(counter('numpy dtypes')),
  ];
}

/** The dict of numpy arrays a pickle holds, e.g. the book's {W1: (784,50) float32, b1: (50), ...}. */
export function tensorsFromPickle(buf: Uint8Array): Tensors {
  const root = unpickle(buf, numpyGlobals());
  if (!(root instanceof Map)) throw new InvalidWeightsError('the pickle does not hold a dict');
  const keys = [...(root as Map<unknown, unknown>).keys()];
  const nonString = keys.find((key) => typeof key !== 'string');
  if (nonString !== undefined) throw new InvalidWeightsError(`the dict has a non-string key ${describeValue(nonString)}`);
  checkTensorNames(keys as string[]);
  const tensors = new Map<string, Tensor>();
  for (const [key, value] of root as Map<string, unknown>) {
    if (!(value instanceof PickledArray) || value.tensor === undefined) {
      throw new InvalidWeightsError(`dict entry ${clip(key)} is not a numpy array`);
    }
    tensors.set(key, value.tensor);
  }
  return tensors;
}

/** The book's network (ch. 3 `predict`): sigmoid on every hidden layer, softmax at the end; the shapes give the sizes. */
export function mlpFromPickle(buf: Uint8Array): { mlp: Mlp; architecture: Architecture } {
  const { sizes, params } = layersFromTensors(tensorsFromPickle(buf));
  const architecture: Architecture = { sizes, hidden: sizes.slice(2).map(() => 'sigmoid'), output: 'softmax' };
  return { mlp: createMlp(architecture, params), architecture };
}
