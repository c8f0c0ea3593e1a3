/**
 * Zeroed typed arrays for one request's work, carved from shared slabs rather than each
 * allocated on its own. V8 keeps a typed array of over 64 bytes outside the JavaScript heap:
 * each one costs a backing store from the system allocator, its zeroing, an entry the garbage
 * collector sweeps and external memory that hastens collections, which for a 28x28 digit's
 * few hundred bytes costs far more than the loops that fill it. A view of a slab costs an
 * object on the heap. (Node's Buffer.allocUnsafe pools small buffers for the same reason.)
 *
 * A slab is never reused: it is carved from start to end, so every array is zeroed as a new
 * one is, and it is freed once no array carved from it is referenced. So only arrays that die
 * with their request come from here: one kept for long (a cache, a loaded model) would keep
 * its whole slab alive. Arrays larger than MAX_CARVED_BYTES are allocated as usual: their
 * loops outweigh the allocation.
 */

const SLAB_BYTES = 256 * 1024;
const MAX_CARVED_BYTES = 32 * 1024;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

/** A byte offset in the current slab for `bytes` (8-aligned), or -1 when they are allocated on their own. */
function carve(bytes: number): number {
  if (bytes > MAX_CARVED_BYTES) return -1;
  let at = (used + 7) & ~7;
  if (at + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    at = 0;
  }
  used = at + bytes;
  return at;
}

export function slabU8(length: number): Uint8Array {
  const at = carve(length);
  return at < 0 ? new Uint8Array(length) : new Uint8Array(slab, at, length);
}

export function slabU32(length: number): Uint32Array {
  const at = carve(4 * length);
  return at < 0 ? new Uint32Array(length) : new Uint32Array(slab, at, length);
}

export function slabI32(length: number): Int32Array {
  const at = carve(4 * length);
  return at < 0 ? new Int32Array(length) : new Int32Array(slab, at, length);
}

export function slabF32(length: number): Float32Array {
  const at = carve(4 * length);
  return at < 0 ? new Float32Array(length) : new Float32Array(slab, at, length);
}

export function slabF64(length: number): Float64Array {
  const at = carve(8 * length);
  return at < 0 ? new Float64Array(length) : new Float64Array(slab, at, length);
}

/** A copy of `from` in a slab (what from.slice() gives, without its own allocation). */
export function slabCopyU8(from: Uint8Array): Uint8Array {
  const copy = slabU8(from.length);
  copy.set(from);
  return copy;
}

export function slabCopyF32(from: Float32Array): Float32Array {
  const copy = slabF32(from.length);
  copy.set(from);
  return copy;
}
