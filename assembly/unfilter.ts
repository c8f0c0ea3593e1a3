/**
 * A PNG's row filters undone (PNG spec, section 9), from the inflated image data into the
 * pixels: the step after inflate (inflate.ts) for src/preprocess/png.ts, in the same memory.
 */

import { leave } from './leave';

/**
 * `height` rows of `stride` bytes, each after its filter type byte at `src`, unfiltered into
 * `out` with `bpp` bytes per pixel; leave() at an unknown filter type.
 */
export function unfilter(src: usize, stride: usize, height: usize, bpp: usize, out: usize): void {
  for (let y: usize = 0; y < height; y++) {
    const filter = load<u8>(src);
    const s = src + 1;
    src += stride + 1;
    const o = out + y * stride;
    // the previous output row; the first row has none, and reads zeros
    const up = o - stride;
    const first = y == 0;
    if (filter == 0) memory.copy(o, s, stride);
    else if (filter == 1) {
      memory.copy(o, s, min(bpp, stride));
      for (let x = bpp; x < stride; x++) store<u8>(o + x, load<u8>(s + x) + load<u8>(o + x - bpp));
    } else if (filter == 2) {
      if (first) memory.copy(o, s, stride);
      else for (let x: usize = 0; x < stride; x++) store<u8>(o + x, load<u8>(s + x) + load<u8>(up + x));
    } else if (filter == 3) {
      for (let x: usize = 0; x < stride; x++) {
        const left = x >= bpp ? <u32>load<u8>(o + x - bpp) : 0;
        const above = first ? 0 : <u32>load<u8>(up + x);
        store<u8>(o + x, load<u8>(s + x) + <u8>((left + above) >> 1));
      }
    } else if (filter == 4) {
      for (let x: usize = 0; x < stride; x++) {
        const a = x >= bpp ? <i32>load<u8>(o + x - bpp) : 0;
        const b = first ? 0 : <i32>load<u8>(up + x);
        const c = x >= bpp && !first ? <i32>load<u8>(up + x - bpp) : 0;
        store<u8>(o + x, load<u8>(s + x) + <u8>paeth(a, b, c));
      }
    } else leave();
  }
}

@inline
function paeth(a: i32, b: i32, c: i32): i32 {
  const p = a + b - c;
  const pa = abs(p - a);
  const pb = abs(p - b);
  const pc = abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
