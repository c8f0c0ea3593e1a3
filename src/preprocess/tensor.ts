/** Plain typed-array helpers between pixels and the model's input; no image library here. */
import { slabF32 } from '../slab.js';

export const IMAGE_SIDE = 28;
export const INPUT_SIZE = IMAGE_SIDE * IMAGE_SIDE;

/**
 * u8 -> float32 of u8 / 255. fround of the float64 quotient equals numpy's float32 division
 * exactly (float64 has more than 2 * 24 + 2 bits, so the double rounding is innocuous).
 */
const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, v) => Math.fround(v / 255));

/** (count * 784) uint8 pixels -> float32 in 0..1, the book's `normalize=True`. */
export function pixelsToTensor(pixels: Uint8Array, out = slabF32(pixels.length)): Float32Array {
  for (let i = 0; i < pixels.length; i++) out[i] = BYTE_TO_UNIT[pixels[i]!]!;
  return out;
}

/** Rows of equal-length tensors -> one (n, size) batch buffer. */
export function stackRows(rows: readonly Float32Array[], size = INPUT_SIZE): Float32Array {
  const batch = slabF32(rows.length * size);
  rows.forEach((row, i) => batch.set(row, i * size));
  return batch;
}
