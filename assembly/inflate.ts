/**
 * A zlib stream (RFC 1950) inflated (RFC 1951) into a buffer of known size: the image data of a
 * small PNG (src/preprocess/png.ts). Node's zlib sets up a stream, its 32 KiB window and two
 * buffers for every call, which for a digit's few hundred bytes costs several times the
 * inflate itself; this reads straight into the output, which is its own window.
 *
 * It is never more lenient than zlib: whatever zlib refuses (a bad header, a preset
 * dictionary, a bad block type or code, an over-subscribed code, a distance before the
 * start, a wrong Adler-32, a stream cut short) calls the host's leave(), and so do a few
 * things zlib tolerates (an incomplete code, bytes after the checksum, more output than the
 * caller expects): the host then hands the file to libpng, which judges it.
 */

import { leave } from './leave';

/** Codes of up to this many bits are decoded with one table lookup; longer ones bit by bit. */
const LOOKUP_BITS = 9;
const MAX_BITS = 15;

// A code in memory: the lookup (next LOOKUP_BITS bits, least significant first -> (symbol << 4)
// | length, 0 when the code is longer), the count of codes per length, then the symbols
// ordered by code (by length, then by symbol).
const LOOKUP = 0;
const COUNTS = LOOKUP + (2 << LOOKUP_BITS);
const SYMBOLS = COUNTS + 2 * (MAX_BITS + 1);
const CODE_BYTES = SYMBOLS + 2 * 288;

/** a dynamic block's codes */
const literalCode = memory.data(CODE_BYTES);
const distanceCode = memory.data(CODE_BYTES);
const lengthsCode = memory.data(CODE_BYTES);
/** the fixed codes, built on the first block that uses them */
const fixedLiteralCode = memory.data(CODE_BYTES);
const fixedDistanceCode = memory.data(CODE_BYTES);
let fixedBuilt = false;
/** code lengths read from a block's header, literals/lengths then distances */
const lengths = memory.data(320);
/** per length, the next code while a code's lookup is filled; then the first index of its symbols */
const scratch = memory.data(2 * (MAX_BITS + 2));

// RFC 1951 3.2.5: base and extra bits of the length symbols 257..285 and distance symbols 0..29
const LENGTH_BASE = memory.data<u16>([
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
]);
const LENGTH_EXTRA = memory.data<u8>([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]);
const DISTANCE_BASE = memory.data<u16>([
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193,
  12289, 16385, 24577,
]);
const DISTANCE_EXTRA = memory.data<u8>([
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
]);
/** the order of the code length code's lengths in a dynamic block's header */
const LENGTHS_ORDER = memory.data<u8>([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);

// the bit reader: least significant bit first
let at: usize = 0;
let end: usize = 0;
let buffer: u32 = 0;
/** unread bits at the bottom of `buffer` */
let bits: i32 = 0;

/** At least `n` (at most 24) bits in the buffer; leave() when the stream ends first. */
@inline
function need(n: i32): void {
  while (bits < n) {
    if (at >= end) leave();
    buffer |= (<u32>load<u8>(at++)) << <u32>bits;
    bits += 8;
  }
}

@inline
function take(n: i32): u32 {
  need(n);
  const v = buffer & ((1 << <u32>n) - 1);
  buffer = n < 32 ? buffer >>> <u32>n : 0;
  bits -= n;
  return v;
}

/** Drop the bits left in the current byte and give back the whole bytes read ahead. */
function align(): void {
  at -= <usize>(bits >> 3);
  buffer = 0;
  bits = 0;
}

/**
 * The canonical code of `n` symbols whose lengths are at `lengths`, built at `code`; leave()
 * when it is over-subscribed (as zlib) or incomplete (zlib accepts a one-code set and a
 * distance code without codes; this leaves those rare files to libpng). A set without any
 * code is kept for distances only (`empty`): a block of literals alone has one.
 */
function buildCode(code: usize, lengths: usize, n: i32, empty: bool): void {
  // the symbols are written over; the lookup's long codes and the counts must read 0
  memory.fill(code, 0, SYMBOLS);
  for (let s = 0; s < n; s++) {
    const length = <usize>load<u8>(lengths + <usize>s);
    store<u16>(code + COUNTS + (length << 1), load<u16>(code + COUNTS + (length << 1)) + 1);
  }
  store<u16>(code + COUNTS, 0);
  let left: i32 = 1;
  let total: i32 = 0;
  for (let length = 1; length <= MAX_BITS; length++) {
    const count = <i32>load<u16>(code + COUNTS + (<usize>length << 1));
    left = (left << 1) - count;
    total += count;
    if (left < 0) leave();
  }
  if (total == 0 && empty) return;
  if (left > 0) leave();
  // first index of each length's symbols, then the symbols in code order
  let index: i32 = 0;
  for (let length = 1; length <= MAX_BITS; length++) {
    store<u16>(scratch + (<usize>length << 1), <u16>index);
    index += <i32>load<u16>(code + COUNTS + (<usize>length << 1));
  }
  for (let s = 0; s < n; s++) {
    const length = <usize>load<u8>(lengths + <usize>s);
    if (length == 0) continue;
    const k = load<u16>(scratch + (length << 1));
    store<u16>(code + SYMBOLS + (<usize>k << 1), <u16>s);
    store<u16>(scratch + (length << 1), k + 1);
  }
  // the lookup: each short code, bit-reversed (it is sent most significant bit first), at
  // every index whose low bits it is
  let next: i32 = 0;
  let k: i32 = 0;
  for (let length = 1; length <= LOOKUP_BITS; length++) {
    const count = <i32>load<u16>(code + COUNTS + (<usize>length << 1));
    for (let i = 0; i < count; i++, next++, k++) {
      const reversed = <i32>(reverse16(<u32>next) >> <u32>(16 - length));
      const entry = <u16>((<i32>load<u16>(code + SYMBOLS + (<usize>k << 1)) << 4) | length);
      for (let e = reversed; e < 1 << LOOKUP_BITS; e += 1 << length) store<u16>(code + LOOKUP + (<usize>e << 1), entry);
    }
    next <<= 1;
  }
}

/** The 16 low bits of `x` in reverse order. */
@inline
function reverse16(x: u32): u32 {
  x = ((x >> 1) & 0x5555) | ((x & 0x5555) << 1);
  x = ((x >> 2) & 0x3333) | ((x & 0x3333) << 2);
  x = ((x >> 4) & 0x0f0f) | ((x & 0x0f0f) << 4);
  return ((x >> 8) & 0x00ff) | ((x & 0x00ff) << 8);
}

/** One symbol of `code`. */
@inline
function decode(code: usize): i32 {
  // a sound stream has its 32-bit checksum after the last code: these bits are always there
  need(MAX_BITS);
  const entry = <i32>load<u16>(code + LOOKUP + (<usize>(buffer & ((1 << LOOKUP_BITS) - 1)) << 1));
  if (entry != 0) {
    const length = entry & 15;
    buffer >>>= <u32>length;
    bits -= length;
    return entry >> 4;
  }
  // longer than the lookup: canonical decoding bit by bit (the codes of a length are consecutive)
  let value: i32 = 0;
  let first: i32 = 0;
  let index: i32 = 0;
  for (let length = 1; length <= MAX_BITS; length++) {
    value |= <i32>(buffer & 1);
    buffer >>>= 1;
    bits--;
    const count = <i32>load<u16>(code + COUNTS + (<usize>length << 1));
    if (value - first < count) return <i32>load<u16>(code + SYMBOLS + (<usize>(index + value - first) << 1));
    index += count;
    first = (first + count) << 1;
    value <<= 1;
  }
  leave();
  return 0;
}

/** RFC 1951 3.2.6's fixed codes. */
function buildFixedCodes(): void {
  for (let s = 0; s < 288; s++) store<u8>(lengths + <usize>s, s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8);
  buildCode(fixedLiteralCode, lengths, 288, false);
  for (let s = 0; s < 30; s++) store<u8>(lengths + <usize>s, 5);
  // 30 codes of 5 bits are incomplete (symbols 30 and 31 are never sent): as zlib, decoding
  // one of them is the error, so the code is built over all 32
  for (let s = 30; s < 32; s++) store<u8>(lengths + <usize>s, 5);
  buildCode(fixedDistanceCode, lengths, 32, false);
  fixedBuilt = true;
}

/** A dynamic block's header (RFC 1951 3.2.7): its two codes built. */
function dynamicCodes(): void {
  const literals = <i32>take(5) + 257;
  const distances = <i32>take(5) + 1;
  const lengthCodes = <i32>take(4) + 4;
  // zlib: "too many length or distance symbols"
  if (literals > 286 || distances > 30) leave();
  memory.fill(lengths, 0, 19);
  for (let i = 0; i < lengthCodes; i++) store<u8>(lengths + <usize>load<u8>(LENGTHS_ORDER + <usize>i), <u8>take(3));
  buildCode(lengthsCode, lengths, 19, false);
  const n = literals + distances;
  for (let i = 0; i < n;) {
    const symbol = decode(lengthsCode);
    if (symbol < 16) {
      store<u8>(lengths + <usize>i, <u8>symbol);
      i++;
      continue;
    }
    let repeat: i32;
    let length: u8 = 0;
    if (symbol == 16) {
      if (i == 0) leave();
      length = load<u8>(lengths + <usize>(i - 1));
      repeat = 3 + <i32>take(2);
    } else repeat = symbol == 17 ? 3 + <i32>take(3) : 11 + <i32>take(7);
    if (i + repeat > n) leave();
    for (; repeat > 0; repeat--, i++) store<u8>(lengths + <usize>i, length);
  }
  // zlib: "invalid code -- missing end-of-block"
  if (load<u8>(lengths + 256) == 0) leave();
  buildCode(literalCode, lengths, literals, false);
  memory.copy(lengths, lengths + <usize>literals, <usize>distances);
  buildCode(distanceCode, lengths, distances, true);
}

/**
 * A Huffman-coded block's symbols into out[start..cap); the output's new end. The hot loop:
 * the bit reader's state is held in locals here (V8 keeps them in registers, not the
 * module's globals), and handed back to the globals around the rare long code.
 */
function codes(start: usize, out: usize, cap: usize, literalCode: usize, distanceCode: usize): usize {
  let p = at;
  let b = buffer;
  let n = bits;
  const e = end;
  for (;;) {
    // a sound stream has its 32-bit checksum after the last code: these bits are always there
    while (n < MAX_BITS) {
      if (p >= e) leave();
      b |= (<u32>load<u8>(p++)) << <u32>n;
      n += 8;
    }
    let symbol: i32;
    const entry = <i32>load<u16>(literalCode + LOOKUP + (<usize>(b & ((1 << LOOKUP_BITS) - 1)) << 1));
    if (entry != 0) {
      b >>>= <u32>(entry & 15);
      n -= entry & 15;
      symbol = entry >> 4;
    } else {
      at = p;
      buffer = b;
      bits = n;
      symbol = decode(literalCode);
      p = at;
      b = buffer;
      n = bits;
    }
    if (symbol < 256) {
      if (out >= cap) leave();
      store<u8>(out++, <u8>symbol);
      continue;
    }
    if (symbol == 256) {
      at = p;
      buffer = b;
      bits = n;
      return out;
    }
    const l = symbol - 257;
    // symbols 286 and 287 have codes in the fixed code but no meaning
    if (l >= 29) leave();
    let extra = <i32>load<u8>(LENGTH_EXTRA + <usize>l);
    // at least MAX_BITS minus the code's are left: refill for the extra bits and the distance's code
    while (n < extra + MAX_BITS) {
      if (p >= e) leave();
      b |= (<u32>load<u8>(p++)) << <u32>n;
      n += 8;
    }
    const length = <usize>load<u16>(LENGTH_BASE + (<usize>l << 1)) + <usize>(b & ((1 << <u32>extra) - 1));
    b >>>= <u32>extra;
    n -= extra;
    let d: i32;
    const dEntry = <i32>load<u16>(distanceCode + LOOKUP + (<usize>(b & ((1 << LOOKUP_BITS) - 1)) << 1));
    if (dEntry != 0) {
      b >>>= <u32>(dEntry & 15);
      n -= dEntry & 15;
      d = dEntry >> 4;
    } else {
      at = p;
      buffer = b;
      bits = n;
      d = decode(distanceCode);
      p = at;
      b = buffer;
      n = bits;
    }
    if (d >= 30) leave();
    extra = <i32>load<u8>(DISTANCE_EXTRA + <usize>d);
    while (n < extra) {
      if (p >= e) leave();
      b |= (<u32>load<u8>(p++)) << <u32>n;
      n += 8;
    }
    const distance = <usize>load<u16>(DISTANCE_BASE + (<usize>d << 1)) + <usize>(b & ((1 << <u32>extra) - 1));
    b >>>= <u32>extra;
    n -= extra;
    // zlib: "invalid distance too far back"
    if (distance > out - start || length > cap - out) leave();
    if (distance >= length) memory.copy(out, out - distance, length);
    else if (distance == 1) memory.fill(out, load<u8>(out - 1), length);
    // byte by byte: the copy overlaps its own output
    else for (let from = out - distance, stop = out + length; from < stop - distance; ) store<u8>(from + distance, load<u8>(from++));
    out += length;
  }
  return out;
}

function adler32(data: usize, length: usize): u32 {
  let a: u32 = 1;
  let b: u32 = 0;
  while (length > 0) {
    // 5552: the most bytes before b can overflow 32 bits (zlib's NMAX)
    const n = min<usize>(length, 5552);
    length -= n;
    for (const stop = data + n; data < stop; data++) {
      a += <u32>load<u8>(data);
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return (b << 16) | a;
}

/**
 * The zlib stream at src[0..length) inflated into out[0..cap): the bytes written. leave() for
 * anything zlib would refuse, for more than `cap` bytes, and for bytes after the stream.
 */
export function inflate(src: usize, length: usize, out: usize, cap: usize): usize {
  at = src;
  end = src + length;
  buffer = 0;
  bits = 0;
  // RFC 1950: deflate, a window of at most 32 KiB, the check bits, no preset dictionary
  const method = <i32>take(8);
  const flags = <i32>take(8);
  if ((method & 15) != 8 || method >> 4 > 7 || ((method << 8) | flags) % 31 != 0 || flags & 0x20) leave();
  const start = out;
  const stop = out + cap;
  let last: u32 = 0;
  while (!last) {
    last = take(1);
    const type = take(2);
    if (type == 0) {
      align();
      if (end - at < 4) leave();
      const size = <usize>load<u8>(at) | (<usize>load<u8>(at + 1) << 8);
      const complement = <usize>load<u8>(at + 2) | (<usize>load<u8>(at + 3) << 8);
      at += 4;
      if ((size ^ 0xffff) != complement || size > end - at || size > stop - out) leave();
      memory.copy(out, at, size);
      out += size;
      at += size;
    } else if (type == 1) {
      if (!fixedBuilt) buildFixedCodes();
      out = codes(start, out, stop, fixedLiteralCode, fixedDistanceCode);
    } else if (type == 2) {
      dynamicCodes();
      out = codes(start, out, stop, literalCode, distanceCode);
    } else leave();
  }
  align();
  if (end - at != 4) leave();
  const expected = (<u32>load<u8>(at) << 24) | (<u32>load<u8>(at + 1) << 16) | (<u32>load<u8>(at + 2) << 8) | <u32>load<u8>(at + 3);
  if (adler32(start, out - start) != expected) leave();
  return out - start;
}
