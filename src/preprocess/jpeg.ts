/**
 * A synchronous reader of the grey levels of small baseline JPEGs, decoded straight at 1/1,
 * 1/2, 1/4 or 1/8 scale. A phone photo or a canvas export of a digit is usually such a file.
 * sharp pays a thread hop, a pipeline and a full-size colour decode for such a file, and the
 * normalisation then averages the result down to 140x140 grey: this reads the same file in a
 * fraction of that time on the calling thread (figures: docs/PREPROCESSING.md, "Cost").
 *
 * Why it can be cheap: the normalisation needs only grey, and a JPEG's luma component (Y of
 * YCbCr, the same BT.601 weights channels.ts applies to RGB) is grey already, so the chroma
 * blocks are only parsed, never transformed. And a JPEG stores each 8x8 block as cosine
 * coefficients, so the block shrunk by 2, 4 or 8 is the inverse transform of its lowest n x n
 * coefficients (n = 4, 2, 1): a quarter, a sixteenth or none of the work (libjpeg's "scaled
 * decoding" does the same).
 *
 * It reads: baseline or extended sequential Huffman (SOF0, SOF1), 8-bit, one component (grey)
 * or three (YCbCr) in one scan, sampling factors libjpeg upsamples, restart intervals. It
 * leaves to sharp everything it would not read as libvips does: progressive and arithmetic-coded
 * files, CMYK and RGB JPEGs, a colour profile, an EXIF orientation other than upright, and any
 * damaged or truncated file (sharp then decodes it or words the error). What it reads, libjpeg
 * must decode without an error, or one file would get two verdicts (200 here, 400 from the
 * plain pipeline): so the header is held to libjpeg's rules, not only to what this reader
 * needs (a chroma table it never uses must still be defined, say). Its levels are not
 * libvips' bit for bit (another inverse transform, and Y instead of RGB re-weighted), which is
 * why only the normalising pipeline uses it; the plain pipeline's exact 28x28 levels stay
 * sharp's.
 */
import { InputRefused, pixelKernels, place, placeCopy, refuse, scoped, u8 } from '../kernels/pixels.js';
import type { Plane } from './plane.js';
import { ascii } from './sniff.js';
import { slabCopyU8, slabI32 } from '../slab.js';

/** Divisors of the picture's size this reader decodes at. */
export type JpegScale = 1 | 2 | 4 | 8;

/** A file left to sharp, here or by the scan's kernel: InputRefused, thrown inside, never out of decodeJpegGrey. */
const leave: () => never = refuse;

/**
 * Per output size n: the n-point inverse DCT matrix, scaled so that the lowest n x n
 * coefficients of an 8x8 block give the block averaged down to n x n (row x, column u:
 * sqrt(2/n) C(u) cos((2x+1) u pi / 2n) sqrt(n/8), with C(0) = 1/sqrt(2)).
 */
const IDCT: Readonly<Record<number, Float64Array>> = Object.fromEntries(
  [1, 2, 4, 8].map((n) => {
    const m = new Float64Array(n * n);
    for (let x = 0; x < n; x++) {
      for (let u = 0; u < n; u++) {
        m[x * n + u] = Math.sqrt(2 / n) * (u === 0 ? Math.SQRT1_2 : 1) * Math.cos(((2 * x + 1) * u * Math.PI) / (2 * n)) * Math.sqrt(n / 8);
      }
    }
    return [n, m];
  }),
);

interface Component {
  readonly id: number;
  readonly h: number;
  readonly v: number;
  readonly quantTable: number;
}

interface Frame {
  readonly width: number;
  readonly height: number;
  readonly components: Component[];
  readonly hMax: number;
  readonly vMax: number;
}

/**
 * The luma of a JPEG of at most `maxPixels` (width x height), decoded at 1/scale of its size
 * (`chooseScale` is given the full size), or undefined when sharp should decode it.
 */
export function decodeJpegGrey(
  bytes: Uint8Array,
  maxPixels: number,
  chooseScale: (width: number, height: number) => JpegScale,
): Plane | undefined {
  try {
    // the tables and the scan's buffers are placed in the kernels' memory while the file is read
    return scoped(() => decode(bytes, maxPixels, chooseScale));
  } catch (err) {
    // a RangeError: a crafted EXIF block pointing outside itself; sharp is the judge of the file
    if (err instanceof InputRefused || err instanceof RangeError) return undefined;
    throw err;
  }
}

function decode(bytes: Uint8Array, maxPixels: number, chooseScale: (width: number, height: number) => JpegScale): Plane {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) leave();
  const quantTables: (Int32Array | undefined)[] = [];
  // Huffman tables are offsets in the kernels' memory (huffmanTable in assembly/jpeg.ts)
  const dcTables: (number | undefined)[] = [];
  const acTables: (number | undefined)[] = [];
  let frame: Frame | undefined;
  let restartInterval = 0;
  let adobeTransform: number | undefined;
  let at = 2;
  for (;;) {
    if (bytes[at] !== 0xff) leave();
    while (bytes[at] === 0xff) at++; // fill bytes may precede a marker
    const marker = bytes[at++];
    if (marker === undefined || !HEADER_SEGMENTS.has(marker)) leave();
    const length = ((bytes[at]! << 8) | bytes[at + 1]!) >>> 0;
    const body = bytes.subarray(at + 2, at + length);
    if (length < 2 || at + length > bytes.length) leave();
    at += length;
    if (marker === 0xdb) readQuantTables(body, quantTables);
    else if (marker === 0xc4) readHuffmanTables(body, dcTables, acTables);
    else if (marker === 0xc0 || marker === 0xc1) {
      // libjpeg: "two SOF markers"
      if (frame) leave();
      frame = readFrame(body, maxPixels);
    } else if (marker === 0xdd) {
      if (body.length !== 2) leave();
      restartInterval = (body[0]! << 8) | body[1]!;
    } else if (marker === 0xe1 && isExif(body)) checkUpright(body.subarray(6));
    else if (marker === 0xe2 && ascii(body, 0, 12) === 'ICC_PROFILE\0') leave();
    else if (marker === 0xee && ascii(body, 0, 5) === 'Adobe' && body.length >= 12) adobeTransform = body[11];
    else if (marker === 0xda) {
      if (!frame) leave();
      checkYCbCr(frame, adobeTransform);
      const scale = chooseScale(frame.width, frame.height);
      return readScan(bytes, at, body, frame, { quantTables, dcTables, acTables, restartInterval, scale });
    }
  }
}

/**
 * The segments this reader reads before the scan: SOF0 and SOF1, DHT, DQT, DRI, APPn, COM,
 * SOS. Every other marker is sharp's: libjpeg refuses the frame types it does not decode, the
 * reserved markers (JPGn, RESn, DHP, EXP) and a misplaced SOI or EOI, and reads the rest
 * otherwise than this reader would (DAC and DNL; TEM and RSTn, which have no length).
 */
const HEADER_SEGMENTS: ReadonlySet<number> = new Set([
  0xc0,
  0xc1,
  0xc4,
  0xdb,
  0xdd,
  0xda,
  0xfe,
  ...Array.from({ length: 16 }, (_, n) => 0xe0 + n),
]);

const isExif = (body: Uint8Array) => ascii(body, 0, 6) === 'Exif\0\0';

function readQuantTables(body: Uint8Array, tables: (Int32Array | undefined)[]): void {
  for (let p = 0; p < body.length;) {
    const precision = body[p]! >> 4;
    const id = body[p]! & 15;
    if (precision > 1 || id > 3) leave();
    const table = slabI32(64);
    for (let k = 0; k < 64; k++) table[k] = precision ? (body[p + 1 + 2 * k]! << 8) | body[p + 2 + 2 * k]! : body[p + 1 + k]!;
    p += 1 + 64 * (precision + 1);
    if (p > body.length) leave();
    tables[id] = table;
  }
}

function readHuffmanTables(body: Uint8Array, dc: (number | undefined)[], ac: (number | undefined)[]): void {
  for (let p = 0; p < body.length;) {
    const tableClass = body[p]! >> 4;
    const id = body[p]! & 15;
    if (tableClass > 1 || id > 3 || p + 17 > body.length) leave();
    const counts = body.subarray(p + 1, p + 17);
    const total = counts.reduce((s, c) => s + c, 0);
    // a byte's symbols, each once at most: more is not a table of T.81
    if (total > 256 || p + 17 + total > body.length) leave();
    const symbols = body.subarray(p + 17, p + 17 + total);
    // libjpeg's "bogus Huffman table": a code of all ones (T.81 C.2 reserves it), or a DC
    // difference of more than 15 bits
    for (let length = 1, code = 0; length <= 16; length++, code <<= 1) {
      code += counts[length - 1]!;
      if (code >= 1 << length) leave();
    }
    if (tableClass === 0 && symbols.some((s) => s > 15)) leave();
    const table = place(pixelKernels().huffmanTableBytes());
    pixelKernels().huffmanTable(placeCopy(counts), placeCopy(symbols), table);
    (tableClass === 0 ? dc : ac)[id] = table;
    p += 17 + total;
  }
}

function readFrame(body: Uint8Array, maxPixels: number): Frame {
  const precision = body[0];
  const height = (body[1]! << 8) | body[2]!;
  const width = (body[3]! << 8) | body[4]!;
  const count = body[5]!;
  // height 0 (a DNL marker gives it later) and 12-bit samples: sharp's
  if (precision !== 8 || width === 0 || height === 0 || width * height > maxPixels) leave();
  if ((count !== 1 && count !== 3) || body.length !== 6 + 3 * count) leave();
  const components: Component[] = [];
  for (let i = 0; i < count; i++) {
    const p = 6 + 3 * i;
    const h = body[p + 1]! >> 4;
    const v = body[p + 1]! & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4 || body[p + 2]! > 3) leave();
    components.push({ id: body[p]!, h, v, quantTable: body[p + 2]! });
  }
  const hMax = Math.max(...components.map((c) => c.h));
  const vMax = Math.max(...components.map((c) => c.v));
  // luma at less than full resolution, or more than T.81's 10 blocks per MCU: sharp's
  if (components[0]!.h !== hMax || components[0]!.v !== vMax || components.reduce((s, c) => s + c.h * c.v, 0) > 10) leave();
  // libjpeg upsamples chroma by whole factors only ("fractional sampling not implemented")
  if (components.some((c) => hMax % c.h !== 0 || vMax % c.v !== 0)) leave();
  return { width, height, components, hMax, vMax };
}

/** Three components are YCbCr unless an Adobe marker or the component ids say RGB (libjpeg's rule). */
function checkYCbCr(frame: Frame, adobeTransform: number | undefined): void {
  if (frame.components.length === 1) return;
  const ids = frame.components.map((c) => c.id).join(',');
  if (adobeTransform === 0 || (adobeTransform === undefined && ids === '82,71,66')) leave();
}

/** An EXIF block whose orientation is anything but upright (1) is sharp's: it rotates the picture. */
function checkUpright(tiff: Uint8Array): void {
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  if (tiff.length < 8) leave();
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) leave();
  const ifd = view.getUint32(4, little);
  const entries = view.getUint16(ifd, little);
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + 12 * i;
    if (view.getUint16(entry, little) === 0x0112 && view.getUint16(entry + 8, little) !== 1) leave();
  }
}

interface ScanTables {
  readonly quantTables: readonly (Int32Array | undefined)[];
  readonly dcTables: readonly (number | undefined)[];
  readonly acTables: readonly (number | undefined)[];
  readonly restartInterval: number;
  readonly scale: JpegScale;
}

/** Decode the first scan (its header, then its data from `dataStart`), which must hold every component, into grey levels at 1/scale. */
function readScan(bytes: Uint8Array, dataStart: number, header: Uint8Array, frame: Frame, tables: ScanTables): Plane {
  const count = header[0]!;
  // a scan without every component makes libjpeg read all the scans up to EOI before the first
  // row, and judge the file by them: this reader reads the first alone
  if (count !== frame.components.length || header.length !== 4 + 2 * count) leave();
  // per component, as decodeScan reads them: DC table, AC table, DC prediction, h, v, is the luma
  const records: number[] = [];
  frame.components.forEach((component, i) => {
    // libjpeg: the scan names the frame's components in the frame's order ("invalid component ID")
    if (header[1 + 2 * i] !== component.id) leave();
    const dcTable = tables.dcTables[header[2 + 2 * i]! >> 4] ?? leave();
    const acTable = tables.acTables[header[2 + 2 * i]! & 15] ?? leave();
    records.push(dcTable, acTable, 0, component.h, component.v, i === 0 ? 1 : 0);
  });
  const [ss, se, approximation] = header.subarray(1 + 2 * count, 4 + 2 * count);
  if (ss !== 0 || se !== 63 || approximation !== 0) leave();
  // libjpeg wants the chroma's tables too, though this reader only parses the chroma
  if (frame.components.some((c) => !tables.quantTables[c.quantTable])) leave();
  if (!endsAtMarker(bytes, dataStart)) leave();
  const quant = tables.quantTables[frame.components[0]!.quantTable]!;
  const n = 8 / tables.scale;
  const width = Math.ceil(frame.width / tables.scale);
  const height = Math.ceil(frame.height / tables.scale);
  // one component alone is not interleaved: its blocks in raster order, one per MCU (T.81 A.2.2)
  const single = count === 1;
  const mcusX = Math.ceil(frame.width / (single ? 8 : 8 * frame.hMax));
  const mcusY = Math.ceil(frame.height / (single ? 8 : 8 * frame.vMax));
  const file = placeCopy(bytes);
  const plane = place(width * height);
  pixelKernels().decodeScan(
    file + dataStart,
    file + bytes.length,
    placeCopy(Int32Array.from(records)),
    count,
    mcusX,
    mcusY,
    tables.restartInterval || mcusX * mcusY,
    n,
    placeCopy(quant),
    placeCopy(TRANSFORM[n]!),
    place(2 * n * n * 8),
    plane,
    width,
    height,
  );
  return { width, height, data: slabCopyU8(u8(plane, width * height)) };
}

/**
 * Whether a marker ends the scan's data before the file does. libjpeg reads some bytes past
 * the last block, up to a marker; meeting the file's end there is, with failOn 'error', an
 * error ("premature end of JPEG image"). A restart marker inside the data does not count.
 */
function endsAtMarker(bytes: Uint8Array, dataStart: number): boolean {
  for (let p = bytes.indexOf(0xff, dataStart); p >= 0; p = bytes.indexOf(0xff, p + 1)) {
    const next = bytes[p + 1];
    if (next === undefined) return false;
    // 0x00: a stuffed 0xFF byte of data; 0xFF: a fill byte before a marker
    if (next !== 0x00 && next !== 0xff && (next < 0xd0 || next > 0xd7)) return true;
  }
  return false;
}

/** IDCT[4]'s entries, for decodeScan's butterflies: C(u) cos(k pi / 8) / 2 */
const DC_4 = Math.SQRT1_2 / 2;
const COS_1 = Math.cos(Math.PI / 8) / 2;
const COS_2 = Math.cos(Math.PI / 4) / 2;
const COS_3 = Math.cos((3 * Math.PI) / 8) / 2;

/** Per output size n: decodeScan's `transform`, the butterflies' constants then IDCT[n], made once. */
const TRANSFORM: Readonly<Record<number, Float64Array>> = Object.fromEntries(
  [1, 2, 4, 8].map((n) => [n, Float64Array.of(DC_4, COS_1, COS_2, COS_3, ...IDCT[n]!)]),
);
