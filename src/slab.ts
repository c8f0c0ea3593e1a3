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
 *
 * Within `scratchFrame`, the arrays come from one buffer instead, reused by every frame: a
 * frame begins by zeroing the bytes the one before used, so every array starts zeroed.
 * A new slab's memory is fresh from the system allocator (its pages faulted in and zeroed),
 * the frame's is warm in the cache. Only work whose arrays all die with it runs in a frame:
 * the synchronous preprocessing of one picture, whose one result that lives on (the model's
 * input) is copied out.
 */

const SLAB_BYTES = 256 * 1024;
const MAX_CARVED_BYTES = 32 * 1024;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

/** A frame's buffer: the preprocessing of the largest picture read on the calling thread fits */
const FRAME_BYTES = 1024 * 1024;
let frame: ArrayBuffer | undefined;
/** bytes carved from the frame's buffer in the current frame; -1 outside a frame */
let frameUsed = -1;
/** bytes the last frame used, zeroed when the next one begins (not as it ends: its result is copied out first) */
let frameDirty = 0;
/** where carve() placed its bytes: the frame's buffer or the current slab */
let carvedIn: ArrayBuffer = slab;

/**
 * `work`'s result, with every array carved while it runs taken from the frame's buffer, which
 * the next frame reuses: nothing carved in `work` may be kept, only read (a result copied out)
 * before the next frame begins. Synchronous work only; a frame within a frame is part of it.
 */
export function scratchFrame<T>(work: () => T): T {
  if (frameUsed >= 0) return work();
  frame ??= new ArrayBuffer(FRAME_BYTES);
  new Uint8Array(frame, 0, frameDirty).fill(0);
  frameUsed = 0;
  try {
    return work();
  } finally {
    frameDirty = frameUsed;
    frameUsed = -1;
  }
}

/** A byte offset for `bytes` (8-aligned) in the frame's buffer or the current slab (carvedIn), or -1 when they are allocated on their own. */
function carve(bytes: number): number {
  if (frameUsed >= 0) {
    const at = (frameUsed + 7) & ~7;
    if (at + bytes <= FRAME_BYTES) {
      frameUsed = at + bytes;
      carvedIn = frame!;
      return at;
    }
  }
  if (bytes > MAX_CARVED_BYTES) return -1;
  let at = (used + 7) & ~7;
  if (at + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    at = 0;
  }
  used = at + bytes;
  carvedIn = slab;
  return at;
}

export function slabU8(length: number): Uint8Array {
  const at = carve(length);
  return at < 0 ? new Uint8Array(length) : new Uint8Array(carvedIn, at, length);
}

export function slabU32(length: number): Uint32Array {
  const at = carve(4 * length);
  return at < 0 ? new Uint32Array(length) : new Uint32Array(carvedIn, at, length);
}

export function slabI32(length: number): Int32Array {
  const at = carve(4 * length);
  return at < 0 ? new Int32Array(length) : new Int32Array(carvedIn, at, length);
}

export function slabF32(length: number): Float32Array {
  const at = carve(4 * length);
  return at < 0 ? new Float32Array(length) : new Float32Array(carvedIn, at, length);
}

export function slabF64(length: number): Float64Array {
  const at = carve(8 * length);
  return at < 0 ? new Float64Array(length) : new Float64Array(carvedIn, at, length);
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
