/**
 * An image's size as its header declares it, read on the calling thread before anything is
 * decoded, so the limits (pixels, aspect ratio, a request's and the process's pixel budgets)
 * are applied before libvips allocates a frame. sharp's own metadata() would read the same
 * header, but in the libuv thread pool: behind every decode already running there, which is
 * exactly when the limits matter. The sizes are libvips' for the frame it decodes (the first):
 * a reader that disagreed would only make a limit looser or tighter, as libvips still refuses
 * a frame over the pixel limit when it opens the file.
 */
import { ascii, type ImageFormat } from './sniff.js';

export interface ImageSize {
  readonly width: number;
  readonly height: number;
  /** a baseline JPEG: libjpeg can decode it at 1/2, 1/4 or 1/8 of its size, holding only that (a progressive one keeps every coefficient) */
  readonly shrinkOnLoad?: boolean;
}

/** The declared size for PNG, JPEG, GIF and WebP; undefined for other formats or a header this does not read (sharp then does). */
export function headerSize(bytes: Uint8Array, format: ImageFormat): ImageSize | undefined {
  const size = HEADER_READERS[format]?.(bytes);
  return size && size.width > 0 && size.height > 0 ? size : undefined;
}

const HEADER_READERS: Partial<Record<ImageFormat, (bytes: Uint8Array) => ImageSize | undefined>> = {
  png: pngSize,
  jpeg: jpegSize,
  gif: gifSize,
  webp: webpSize,
};

const u16le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u16be = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u24le = (b: Uint8Array, at: number) => u16le(b, at) | (b[at + 2]! << 16);
const u32be = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** IHDR, which the PNG specification puts first. */
function pngSize(b: Uint8Array): ImageSize | undefined {
  if (b.length < 24 || ascii(b, 12, 16) !== 'IHDR') return undefined;
  return { width: u32be(b, 16), height: u32be(b, 20) };
}

/**
 * The markers of a JPEG's header in file order, from the one after SOI up to the first of the
 * scan (SOS), the end (EOI) or a second start, whose `at` is where its 0xFF is; stops early at
 * anything that is not a marker where one belongs.
 */
function* jpegHeaderMarkers(b: Uint8Array): Generator<{ marker: number; at: number }> {
  for (let at = 2; at + 4 <= b.length;) {
    if (b[at] !== 0xff) return;
    const marker = b[at + 1]!;
    // fill bytes, and the markers without a length
    if (marker === 0xff || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += marker === 0xff ? 1 : 2;
      continue;
    }
    yield { marker, at };
    if (marker === 0xda || marker === 0xd9 || marker === 0xd8) return;
    at += 2 + u16be(b, at + 2);
  }
}

/** The frame header (SOFn), walking the segments before it; a size given only after the scan (DNL) is sharp's to read. */
function jpegSize(b: Uint8Array): ImageSize | undefined {
  for (const { marker, at } of jpegHeaderMarkers(b)) {
    // the scan, the end, or a second start: no frame header where libjpeg reads one
    if (marker === 0xda || marker === 0xd9 || marker === 0xd8 || at + 9 > b.length) return undefined;
    // SOF0..SOF15 but DHT (c4), JPG (c8) and DAC (cc)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const size = { width: u16be(b, at + 7), height: u16be(b, at + 5) };
      return marker <= 0xc1 ? { ...size, shrinkOnLoad: true } : size;
    }
  }
  return undefined;
}

const END_OF_IMAGE = Buffer.from([0xff, 0xd9]);

/**
 * Whether an end-of-image marker follows the first scan. libjpeg reports a file without one
 * ("premature end of JPEG image") only when it decodes to the last row, so libvips refused
 * it at full size and let it through when it shrank on load: one file, two verdicts, by
 * picture size and pipeline. Entropy-coded data never holds 0xFF 0xD9 (an 0xFF there is
 * followed by 0x00 or a restart marker), so the first one after the scan's header is the end.
 * A header this cannot walk is left for libjpeg to judge.
 */
export function jpegHasEnd(b: Uint8Array): boolean {
  for (const { marker, at } of jpegHeaderMarkers(b)) {
    if (marker === 0xda) return Buffer.from(b.buffer, b.byteOffset, b.length).indexOf(END_OF_IMAGE, at + 2) >= 0;
  }
  return true;
}

/**
 * The logical screen, grown by the first frame where that frame reaches past it (libvips
 * decodes such a frame whole; later frames are clipped to the screen).
 */
function gifSize(b: Uint8Array): ImageSize | undefined {
  if (b.length < 13) return undefined;
  let width = u16le(b, 6);
  let height = u16le(b, 8);
  let at = 13 + colourTableBytes(b[10]!);
  // extensions before the first image: introducer, label, then sub-blocks up to an empty one
  while (b[at] === 0x21) {
    at += 2;
    while (at < b.length && b[at] !== 0) at += 1 + b[at]!;
    at += 1;
  }
  if (b[at] !== 0x2c || at + 9 > b.length) return undefined;
  width = Math.max(width, u16le(b, at + 1) + u16le(b, at + 5));
  height = Math.max(height, u16le(b, at + 3) + u16le(b, at + 7));
  return { width, height };
}

const colourTableBytes = (packed: number) => (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);

/** The first chunk: the canvas of an extended file (VP8X), else the lossy (VP8) or lossless (VP8L) bitstream's header. */
function webpSize(b: Uint8Array): ImageSize | undefined {
  if (b.length < 30) return undefined;
  const chunk = ascii(b, 12, 16);
  if (chunk === 'VP8X') return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  if (chunk === 'VP8L' && b[20] === 0x2f) {
    // 14 bits of width - 1, then 14 bits of height - 1, least significant first
    const bits = (b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24)) >>> 0;
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  return undefined;
}
