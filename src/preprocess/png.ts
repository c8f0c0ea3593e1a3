/**
 * A synchronous decoder for the small, plain PNGs most uploads of this service are (an MNIST
 * digit is a 28x28 8-bit grey PNG of a few hundred bytes). sharp decodes those in a libuv
 * thread, where the hop and the pipeline set-up cost far more than the decode; reading the
 * chunks here and inflating and unfiltering the image data with WebAssembly kernels
 * (assembly/inflate.ts, unfilter.ts) costs a small fraction of that. (Node's zlib spent more on
 * setting up a stream per picture than on a digit's few hundred bytes; fast-png and pngjs were
 * several times slower still: docs/DEPENDENCIES.md.)
 *
 * It reads only what it can read exactly as libvips would: 8-bit grey, grey + alpha, RGB or
 * RGBA, not interlaced, no colour profile, no EXIF orientation, no transparency key. Anything
 * else, and anything damaged, returns undefined and sharp decodes the file (and words the
 * error when there is one). What it reads, libpng must read without an error, or one file
 * would get two verdicts (200 here, 400 from the plain pipeline): so the chunks are held to
 * libpng's rules, not only to what this decoder needs.
 */
import { crc32 } from 'node:zlib';
import { InputRefused, pixelKernels, place, scoped, u8 } from '../kernels/pixels.js';
import { slabCopyU8 } from '../slab.js';

export interface RawImage {
  readonly width: number;
  readonly height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA; interleaved, 8 bits each */
  readonly channels: 1 | 2 | 3 | 4;
  readonly data: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** PNG colour type -> interleaved channels, for the types read here */
const CHANNELS: Readonly<Record<number, RawImage['channels']>> = { 0: 1, 4: 2, 2: 3, 6: 4 };
/**
 * Chunks that change how the pixels must be read (a profile, an orientation, a transparency
 * key, significant bits, gamma): libvips honours some of them, so such files go to sharp.
 */
const DEFER_TO_SHARP = new Set(['iCCP', 'eXIf', 'tRNS', 'gAMA', 'cHRM', 'sBIT', 'cICP', 'mDCv', 'cLLi', 'acTL']);

/**
 * The pixels of a PNG of at most `maxPixels` (width x height), or undefined when this decoder
 * does not read it exactly (sharp then does).
 */
export function decodeSmallPng(bytes: Uint8Array, maxPixels: number): RawImage | undefined {
  if (bytes.length < 8 + 25 + 12 || SIGNATURE.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  let channels: RawImage['channels'] | undefined;
  const idat: Uint8Array[] = [];
  /** a chunk other than IDAT came after some IDAT */
  let idatEnded = false;
  let ended = false;
  for (let at = 8; at + 12 <= bytes.length && !ended;) {
    const length = view.getUint32(at);
    const end = at + 12 + length;
    if (end > bytes.length || !isChunkType(bytes, at + 4)) return undefined;
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== view.getUint32(at + 8 + length)) return undefined;
    if (idat.length > 0 && type !== 'IDAT') idatEnded = true;
    if (at === 8) {
      if (type !== 'IHDR' || length !== 13) return undefined;
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      const [depth, colourType, compression, filter, interlace] = body.subarray(8, 13);
      channels = CHANNELS[colourType!];
      if (depth !== 8 || !channels || compression !== 0 || filter !== 0 || interlace !== 0) return undefined;
      if (width === 0 || height === 0 || width * height > maxPixels) return undefined;
    } else if (type === 'IDAT') {
      // libpng reads the image data from consecutive IDATs: another chunk between them ends it ("not enough image data")
      if (idatEnded) return undefined;
      idat.push(body);
    } else if (type === 'IEND') ended = true;
    // any other critical chunk (upper-case first letter: IHDR again, PLTE, or unknown) or one that changes the reading
    else if (DEFER_TO_SHARP.has(type) || (bytes[at + 4]! & 0x20) === 0) return undefined;
    at = end;
  }
  if (!ended || !channels || idat.length === 0) return undefined;
  const stride = width * channels;
  const data = pixelsOf(idat, stride, height, channels);
  return data && { width, height, channels, data };
}

/**
 * The pixels of the image data: inflated (assembly/inflate.ts) to exactly the size the header
 * gives (which bounds the output: a crafted stream cannot inflate past it), then unfiltered
 * (assembly/unfilter.ts); undefined when either fails.
 */
function pixelsOf(idat: readonly Uint8Array[], stride: number, height: number, bpp: number): Uint8Array | undefined {
  const size = (stride + 1) * height;
  try {
    return scoped(() => {
      const length = idat.reduce((sum, part) => sum + part.length, 0);
      const src = place(length);
      const filtered = place(size);
      const out = place(stride * height);
      for (let p = src, i = 0; i < idat.length; p += idat[i]!.length, i++) u8(p, idat[i]!.length).set(idat[i]!);
      const kernels = pixelKernels();
      if (kernels.inflate(src, length, filtered, size) !== size) return undefined;
      kernels.unfilter(filtered, stride, height, bpp, out);
      return slabCopyU8(u8(out, stride * height));
    });
  } catch (err) {
    if (err instanceof InputRefused) return undefined;
    throw err;
  }
}

/**
 * A chunk type libpng accepts: four ASCII letters, the third upper-case (its reserved bit
 * clear). It refuses any other, even in an ancillary chunk this decoder would skip.
 */
function isChunkType(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < 4; i++) {
    const c = bytes[at + i]! & ~0x20;
    if (c < 0x41 || c > 0x5a) return false;
  }
  return (bytes[at + 2]! & 0x20) === 0;
}
