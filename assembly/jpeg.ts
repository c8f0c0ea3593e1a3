/**
 * The entropy-coded data of a baseline JPEG scan, decoded into the luma at 1/1, 1/2, 1/4 or
 * 1/8 scale: the inner loop of the host's src/preprocess/jpeg.ts, which reads the markers and
 * says what a file must be (T.81 references there). Any fault of the data calls the host's
 * leave(), which throws: the file is then sharp's to decode or to refuse.
 */

import { leave } from './leave';

/** Codes of up to this many bits are decoded with one table lookup; longer ones code by code. */
const LOOKUP_BITS = 9;

// A Huffman table in memory: the lookup (next LOOKUP_BITS bits -> (code length << 8) | symbol, 0
// when the code is longer), then per code length the largest code (-1: none), the first code and
// its index among the symbols, then the symbols' count and the symbols.
const LOOKUP = 0;
const MAX_CODE = LOOKUP + (2 << LOOKUP_BITS);
const FIRST_CODE = MAX_CODE + 18 * 4;
const FIRST_INDEX = FIRST_CODE + 17 * 4;
const SYMBOL_COUNT = FIRST_INDEX + 17 * 4;
const SYMBOLS = SYMBOL_COUNT + 4;
const TABLE_BYTES = (SYMBOLS + 256 + 7) & ~7;

/** Bytes a Huffman table takes in memory. */
export function huffmanTableBytes(): i32 {
  return TABLE_BYTES;
}

/**
 * The canonical Huffman code of a DHT segment (T.81 annex C), from the 16 counts per code
 * length at `counts` and the symbols at `symbols`, built into the TABLE_BYTES at `table`;
 * leave() when it is not a prefix code.
 */
export function huffmanTable(counts: usize, symbols: usize, table: usize): void {
  memory.fill(table, 0, TABLE_BYTES);
  let code: i32 = 0;
  let k: i32 = 0;
  for (let length = 1; length <= 16; length++) {
    const count = <i32>load<u8>(counts + <usize>(length - 1));
    store<i32>(table + FIRST_CODE + (<usize>length << 2), code);
    store<i32>(table + FIRST_INDEX + (<usize>length << 2), k);
    for (let i = 0; i < count; i++, code++, k++) {
      if (length <= LOOKUP_BITS) {
        const shift = LOOKUP_BITS - length;
        const entry = <u16>((length << 8) | <i32>load<u8>(symbols + <usize>k));
        // a table that overflows its lengths is refused below; until then, its codes past the lookup are not stored
        const end = min((code + 1) << shift, 1 << LOOKUP_BITS);
        for (let e = code << shift; e < end; e++) store<u16>(table + LOOKUP + (<usize>e << 1), entry);
      }
      store<u8>(table + SYMBOLS + <usize>k, load<u8>(symbols + <usize>k));
    }
    store<i32>(table + MAX_CODE + (<usize>length << 2), count > 0 ? code - 1 : -1);
    // a code longer than its length allows: not a prefix code
    if (code > 1 << length) leave();
    code <<= 1;
  }
  store<i32>(table + MAX_CODE, -1);
  store<i32>(table + MAX_CODE + (17 << 2), 0x7fffffff); // sentinel: a code no table has ends the search
  store<i32>(table + SYMBOL_COUNT, k);
}

// the bit reader: the file's bytes, byte stuffing undone, stopping at the next marker
let bytesEnd: usize = 0;
let at: usize = 0;
let buffer: u32 = 0;
/** unread bits at the bottom of `buffer` */
let bits: i32 = 0;
/** zero bytes fed after the data ended (at a marker or the file's end), which a sound file never reads */
let padding: i32 = 0;

/** The byte at `i` of the file, -1 past its end. */
function byteAt(i: usize): i32 {
  return i < bytesEnd ? <i32>load<u8>(i) : -1;
}

@inline
function fill(): void {
  while (bits <= 24) {
    let byte: u32 = 0;
    const b = byteAt(at);
    if (b < 0) padding++;
    else if (b != 0xff) {
      byte = <u32>b;
      at++;
    } else if (byteAt(at + 1) == 0) {
      byte = 0xff;
      at += 2;
    } else padding++; // a marker: the segment's data ended
    buffer = (buffer << 8) | byte;
    bits += 8;
  }
}

/** One Huffman-coded symbol. */
@inline
function symbol(table: usize): i32 {
  if (bits < 16) fill();
  const entry = <i32>load<u16>(table + LOOKUP + (<usize>((buffer >> <u32>(bits - LOOKUP_BITS)) & ((1 << LOOKUP_BITS) - 1)) << 1));
  if (entry != 0) {
    bits -= entry >> 8;
    return entry & 0xff;
  }
  const next16 = (buffer >> <u32>(bits - 16)) & 0xffff;
  let length = LOOKUP_BITS + 1;
  let code = <i32>(next16 >> <u32>(16 - length));
  while (code > load<i32>(table + MAX_CODE + (<usize>length << 2))) {
    length++;
    code = <i32>(next16 >> <u32>(16 - length));
  }
  if (length > 16) leave();
  bits -= length;
  const k = load<i32>(table + FIRST_INDEX + (<usize>length << 2)) + code - load<i32>(table + FIRST_CODE + (<usize>length << 2));
  if (k >= load<i32>(table + SYMBOL_COUNT)) leave();
  return <i32>load<u8>(table + SYMBOLS + <usize>k);
}

/** `size` bits read as a signed coefficient (T.81 F.2.2.1, RECEIVE and EXTEND). */
@inline
function signed(size: i32): i32 {
  if (size == 0) return 0;
  if (bits < size) fill();
  bits -= size;
  const v = <i32>((buffer >> <u32>bits) & <u32>((1 << size) - 1));
  return v < 1 << (size - 1) ? v - (1 << size) + 1 : v;
}

/** End of an interval: every bit read was the file's own (else it is cut short), then realign on a byte. */
function finish(): void {
  if (padding * 8 > bits) leave();
  buffer = 0;
  bits = 0;
  padding = 0;
}

/** Coefficient order in the file -> position in the 8x8 block, row-major (T.81 figure A.6). */
const ZIGZAG = memory.data<u8>([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57,
  50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

// the current luma block: its lowest n x n coefficients (f64), the output plane, the transform
let n: i32 = 0;
let quant: usize = 0;
let coefficients: usize = 0;
let rows: usize = 0;
/** zigzag index -> position in the n x n block, or -1 for a frequency above n (static: the host owns the heap) */
const position = memory.data(64);
/** the n-point inverse DCT matrix (the host computes it: its cosines are V8's, to the bit) */
let matrix: usize = 0;
let dc4: f64 = 0;
let cos1: f64 = 0;
let cos2: f64 = 0;
let cos3: f64 = 0;
let out: usize = 0;
let outWidth: i32 = 0;
let outHeight: i32 = 0;
let dc: f64 = 0;
/** rows of the coefficients up to which some AC coefficient is set: often few, and the rest need no transform */
let acRows: i32 = 0;

@inline
function coefficient(i: i32): f64 {
  return load<f64>(coefficients + (<usize>i << 3));
}

@inline
function setCoefficient(i: i32, v: f64): void {
  store<f64>(coefficients + (<usize>i << 3), v);
}

/**
 * One 8x8 block's coefficients, in file order (T.81 F.2.2); those of the lowest n x n
 * frequencies go into the luma block when `keep`, dequantised, the rest are only read past.
 * `component` holds its DC table, AC table and DC prediction.
 */
@inline
function readBlock(component: usize, keep: bool): void {
  const dcSize = symbol(<usize>load<i32>(component));
  // 8-bit samples give DC differences of at most 11 bits and AC values of at most 10
  if (dcSize > 11) leave();
  const prediction = load<i32>(component, 8) + signed(dcSize);
  store<i32>(component, prediction, 8);
  if (keep) {
    dc = <f64>prediction * <f64>load<i32>(quant);
    acRows = 0;
  }
  const ac = <usize>load<i32>(component, 4);
  for (let k = 1; k < 64; ) {
    const rs = symbol(ac);
    const run = rs >> 4;
    const size = rs & 15;
    if (size == 0) {
      if (run != 15) return; // end of block
      k += 16;
      continue;
    }
    k += run;
    if (k > 63 || size > 10) leave();
    const value = signed(size);
    if (keep) {
      const p = <i32>load<i8>(position + <usize>k);
      if (p >= 0) {
        setCoefficient(p, <f64>value * <f64>load<i32>(quant + (<usize>k << 2)));
        const row = <i32>load<u8>(ZIGZAG + <usize>k) >> 3;
        if (row >= acRows) acRows = row + 1;
      }
    }
    k++;
  }
}

/** A level-shifted sample (T.81 A.3.1: +128) rounded and clamped to 0..255. */
@inline
function clampLevel(sample: f64): u8 {
  const v = sample + 128.5;
  return v < 0 ? 0 : v > 255 ? 255 : <u8>(<i32>v);
}

/**
 * The inverse transform of 4 coefficients at i, i + s, i + 2s, i + 3s, in place: the even and
 * odd halves of the sum, which the four outputs share with their signs turned.
 */
@inline
function idct4(i: i32, s: i32): void {
  const f0 = coefficient(i);
  const f1 = coefficient(i + s);
  const f2 = coefficient(i + 2 * s);
  const f3 = coefficient(i + 3 * s);
  const even0 = dc4 * f0 + cos2 * f2;
  const even1 = dc4 * f0 - cos2 * f2;
  const odd0 = cos1 * f1 + cos3 * f3;
  const odd1 = cos3 * f1 - cos1 * f3;
  setCoefficient(i, even0 + odd0);
  setCoefficient(i + s, even1 + odd1);
  setCoefficient(i + 2 * s, even1 - odd1);
  setCoefficient(i + 3 * s, even0 - odd0);
}

/** clampLevel of the two lanes of `samples`, in the low two i32 lanes (the same levels: a sample below 0 truncates to 0 either way) */
@inline
function clampLevels(samples: v128): v128 {
  const v = f64x2.add(samples, f64x2.splat(128.5));
  return i32x4.trunc_sat_f64x2_s_zero(f64x2.pmin(f64x2.pmax(v, f64x2.splat(0)), f64x2.splat(255)));
}

/**
 * The 4x4 block's column transforms (idct4(x, 4) for each column, two columns per f64x2: the
 * same products and sums, lane by lane), in place, then its levels at `origin`, w x h of them;
 * the coefficients are cleared for the next block.
 */
function columnsAndLevels(origin: usize, w: i32, h: i32): void {
  const k = f64x2.splat(dc4);
  const c1 = f64x2.splat(cos1);
  const c2 = f64x2.splat(cos2);
  const c3 = f64x2.splat(cos3);
  // columns 0-1, then 2-3: a row of coefficients is 32 bytes
  for (let at = coefficients; at < coefficients + 32; at += 16) {
    const f0 = v128.load(at);
    const f1 = v128.load(at, 32);
    const f2 = v128.load(at, 64);
    const f3 = v128.load(at, 96);
    const even0 = f64x2.add(f64x2.mul(k, f0), f64x2.mul(c2, f2));
    const even1 = f64x2.sub(f64x2.mul(k, f0), f64x2.mul(c2, f2));
    const odd0 = f64x2.add(f64x2.mul(c1, f1), f64x2.mul(c3, f3));
    const odd1 = f64x2.sub(f64x2.mul(c3, f1), f64x2.mul(c1, f3));
    v128.store(at, f64x2.add(even0, odd0));
    v128.store(at, f64x2.add(even1, odd1), 32);
    v128.store(at, f64x2.sub(even1, odd1), 64);
    v128.store(at, f64x2.sub(even0, odd0), 96);
  }
  for (let y = 0; y < h; y++) {
    const row = coefficients + (<usize>y << 5);
    storeRows(origin + <usize>(y * outWidth), w, 1, levelsWord(v128.load(row), v128.load(row, 16)));
  }
  const zero = f64x2.splat(0);
  for (let at = coefficients; at < coefficients + 128; at += 16) v128.store(at, zero);
}

/** clampLevel of four samples (two f64x2), as the four bytes of an i32, the first sample lowest. */
@inline
function levelsWord(left: v128, right: v128): u32 {
  const levels = i32x4.shuffle(clampLevels(left), clampLevels(right), 0, 1, 4, 5);
  const zero = i32x4.splat(0);
  return i32x4.extract_lane(i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(levels, levels), zero), 0);
}

/** The four levels of `word` (levelsWord's order) as each of `h` rows of the output from `origin`, the first `w` of them. */
@inline
function storeRows(origin: usize, w: i32, h: i32, word: u32): void {
  for (let y = 0; y < h; y++) {
    const o = origin + <usize>(y * outWidth);
    if (w == 4) store<u32>(o, word);
    else for (let x = 0; x < w; x++) store<u8>(o + <usize>x, <u8>(word >>> (x << 3)));
  }
}

/** The block's n x n pixels at (x0, y0) of the output, cut at its edges; the coefficients are cleared for the next block. */
function write(x0: i32, y0: i32): void {
  const w = min(n, outWidth - x0);
  const h = min(n, outHeight - y0);
  const origin = out + <usize>(y0 * outWidth + x0);
  if (acRows == 0) {
    // a flat block (most of a sheet of paper): every pixel is the mean, DC / 8
    const level = clampLevel(dc / 8);
    if (n == 4) storeRows(origin, w, h, <u32>level * 0x01010101);
    else {
      for (let y = 0; y < h; y++) {
        const o = origin + <usize>(y * outWidth);
        for (let x = 0; x < w; x++) store<u8>(o + <usize>x, level);
      }
    }
    return;
  }
  setCoefficient(0, dc);
  const used = max(1, acRows);
  if (n == 4) {
    // the half-size decode, the common case: butterflies instead of the matrix products
    for (let v = 0; v < used; v++) idct4(4 * v, 1);
    if (used == 1) {
      // horizontal frequencies only: the four rows are equal, each column's transform being its DC term alone
      const k = f64x2.splat(dc4);
      storeRows(origin, w, h, levelsWord(f64x2.mul(k, v128.load(coefficients)), f64x2.mul(k, v128.load(coefficients, 16))));
      memory.fill(coefficients, 0, 4 << 3);
      return;
    }
    columnsAndLevels(origin, w, h);
    return;
  }
  // rows first: rows[v][x] = sum over u of m[x][u] c[v][u]; then columns (the DC's row at least)
  for (let v = 0; v < used; v++) {
    for (let x = 0; x < n; x++) {
      let s: f64 = 0;
      for (let u = 0; u < n; u++) s += load<f64>(matrix + (<usize>(x * n + u) << 3)) * coefficient(v * n + u);
      store<f64>(rows + (<usize>(v * n + x) << 3), s);
    }
  }
  for (let y = 0; y < h; y++) {
    const o = origin + <usize>(y * outWidth);
    for (let x = 0; x < w; x++) {
      let s: f64 = 0;
      for (let v = 0; v < used; v++) s += load<f64>(matrix + (<usize>(y * n + v) << 3)) * load<f64>(rows + (<usize>(v * n + x) << 3));
      store<u8>(o + <usize>x, clampLevel(s));
    }
  }
  memory.fill(coefficients, 0, <usize>(used * n) << 3);
}

/** The restart marker RSTn that must follow an interval; the DC predictions start again from 0. */
function restart(expected: i32, components: usize, count: i32): void {
  finish();
  while (byteAt(at) == 0xff && byteAt(at + 1) == 0xff) at++;
  if (byteAt(at) != 0xff || byteAt(at + 1) != 0xd0 + expected) leave();
  at += 2;
  for (let i = 0; i < count; i++) store<i32>(components + <usize>(i * COMPONENT_BYTES), 0, 8);
}

/** A scan component in memory: i32 DC table, AC table, DC prediction, h, v, whether it is the luma. */
const COMPONENT_BYTES = 24;

/**
 * Decodes a scan's data: the file's bytes from `dataStart` up to `fileEnd`; its `count`
 * components (COMPONENT_BYTES each at `components`); MCUs of `mcusX` x `mcusY`, a restart
 * every `interval`; the luma's blocks at 1/scale (n = 8 / scale of each block's side), with its
 * 64 i32 quantisers at `quantiser`, into the `width` x `height` levels at `plane`. `transform`
 * holds the f64 constants of the 4-point transform (C(0) / 2, cos(pi/8) / 2, cos(pi/4) / 2,
 * cos(3pi/8) / 2) then the n x n matrix; `scratch` has room for 2 n x n f64.
 */
export function decodeScan(
  dataStart: usize,
  fileEnd: usize,
  components: usize,
  count: i32,
  mcusX: i32,
  mcusY: i32,
  interval: i32,
  blockSide: i32,
  quantiser: usize,
  transform: usize,
  scratch: usize,
  plane: usize,
  width: i32,
  height: i32,
): void {
  bytesEnd = fileEnd;
  at = dataStart;
  buffer = 0;
  bits = 0;
  padding = 0;
  n = blockSide;
  quant = quantiser;
  dc4 = load<f64>(transform);
  cos1 = load<f64>(transform, 8);
  cos2 = load<f64>(transform, 16);
  cos3 = load<f64>(transform, 24);
  matrix = transform + 32;
  coefficients = scratch;
  rows = scratch + (<usize>(n * n) << 3);
  memory.fill(coefficients, 0, <usize>(n * n) << 3);
  out = plane;
  outWidth = width;
  outHeight = height;
  for (let k = 0; k < 64; k++) {
    const row = <i32>load<u8>(ZIGZAG + <usize>k) >> 3;
    const col = <i32>load<u8>(ZIGZAG + <usize>k) & 7;
    store<i8>(position + <usize>k, row < n && col < n ? <i8>(row * n + col) : -1);
  }
  // one component alone is not interleaved: its blocks in raster order, one per MCU (T.81 A.2.2)
  const single = count == 1;
  const mcus = mcusX * mcusY;
  for (let mcu = 0; mcu < mcus; mcu++) {
    if (mcu > 0 && mcu % interval == 0) restart((mcu / interval - 1) & 7, components, count);
    const mx = mcu % mcusX;
    const my = (mcu - mx) / mcusX;
    for (let i = 0; i < count; i++) {
      const component = components + <usize>(i * COMPONENT_BYTES);
      const h = single ? 1 : load<i32>(component, 12);
      const v = single ? 1 : load<i32>(component, 16);
      const keep = load<i32>(component, 20) != 0;
      for (let by = 0; by < v; by++) {
        for (let bx = 0; bx < h; bx++) {
          readBlock(component, keep);
          if (keep) write((mx * h + bx) * n, (my * v + by) * n);
        }
      }
    }
  }
  finish();
}
