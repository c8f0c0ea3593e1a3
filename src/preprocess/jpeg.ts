/**
 * A synchronous reader of the grey levels of small baseline JPEGs, decoded straight at 1/1,
 * 1/2, 1/4 or 1/8 scale. A phone photo or a canvas export of a digit is usually such a file.
 * sharp takes about 3 ms here for a 280x280 JPEG (the thread hop, the pipeline, a full-size
 * colour decode), and the normalisation then averages the result down to 140x140 grey: this
 * reads the same file in a fraction of that on the calling thread.
 *
 * Why it can be cheap: the normalisation needs only grey, and a JPEG's luma component (Y of
 * YCbCr, the same BT.601 weights channels.ts applies to RGB) is grey already, so the chroma
 * blocks are only parsed, never transformed. And a JPEG stores each 8x8 block as cosine
 * coefficients, so the block shrunk by 2, 4 or 8 is the inverse transform of its lowest n x n
 * coefficients (n = 4, 2, 1): a quarter, a sixteenth or none of the work (libjpeg's "scaled
 * decoding" does the same).
 *
 * It reads: baseline or extended sequential Huffman (SOF0, SOF1), 8-bit, one component (grey)
 * or three (YCbCr), any sampling factors, restart intervals. It leaves to sharp everything it
 * would not read as libvips does: progressive and arithmetic-coded files, CMYK and RGB JPEGs,
 * a colour profile, an EXIF orientation other than upright, and any damaged or truncated file
 * (sharp then decodes it or words the error). Its levels are not libvips' bit for bit (another
 * inverse transform, and Y instead of RGB re-weighted), which is why only the normalising
 * pipeline uses it; the plain pipeline's exact 28x28 levels stay sharp's.
 */
import type { Plane } from './plane.js';
import { ascii } from './sniff.js';

/** Divisors of the picture's size this reader decodes at. */
export type JpegScale = 1 | 2 | 4 | 8;

/** Why a file is left to sharp; thrown inside, never out of decodeJpegGrey. */
class LeaveToSharp extends Error {}
const LEAVE = new LeaveToSharp();
function leave(): never {
  throw LEAVE;
}

/**
 * Coefficient order in the file -> position in the 8x8 block, row-major: the zigzag of T.81
 * figure A.6, along the anti-diagonals from the top-left corner, turning at each edge.
 */
const ZIGZAG = Uint8Array.from(
  Array.from({ length: 15 }, (_, diagonal) =>
    Array.from({ length: diagonal + 1 }, (_, i) => (diagonal % 2 ? i : diagonal - i))
      .filter((row) => row < 8 && diagonal - row < 8)
      .map((row) => row * 8 + diagonal - row),
  ).flat(),
);

/** Codes of up to this many bits are decoded with one table lookup; longer ones code by code. */
const LOOKUP_BITS = 9;

interface HuffmanTable {
  /** next LOOKUP_BITS bits -> (code length << 8) | symbol; 0 when the code is longer */
  readonly lookup: Uint16Array;
  /** per code length: the largest code of that length (-1: none), the first code, its index in `symbols` */
  readonly maxCode: Int32Array;
  readonly firstCode: Int32Array;
  readonly firstIndex: Int32Array;
  readonly symbols: Uint8Array;
}

/** The canonical Huffman code of a DHT segment (ITU T.81, annex C), or leave() when it is not one. */
function huffmanTable(counts: Uint8Array, symbols: Uint8Array): HuffmanTable {
  const lookup = new Uint16Array(1 << LOOKUP_BITS);
  const maxCode = new Int32Array(18).fill(-1);
  const firstCode = new Int32Array(17);
  const firstIndex = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    const count = counts[length - 1]!;
    firstCode[length] = code;
    firstIndex[length] = k;
    for (let i = 0; i < count; i++, code++, k++) {
      if (length <= LOOKUP_BITS) {
        const shift = LOOKUP_BITS - length;
        lookup.fill((length << 8) | symbols[k]!, code << shift, (code + 1) << shift);
      }
    }
    if (count > 0) maxCode[length] = code - 1;
    // a code longer than its length allows: not a prefix code
    if (code > 1 << length) leave();
    code <<= 1;
  }
  maxCode[17] = 0x7fffffff; // sentinel: a code no table has ends the search
  return { lookup, maxCode, firstCode, firstIndex, symbols };
}

/** The entropy-coded data of a scan, bit by bit: byte stuffing undone, stopping at the next marker. */
class BitReader {
  private buffer = 0;
  /** unread bits at the bottom of `buffer` */
  private bits = 0;
  /** zero bytes fed after the data ended (at a marker or the file's end), which a sound file never reads */
  private padding = 0;

  constructor(
    private readonly bytes: Uint8Array,
    public at: number,
  ) {}

  private fill(): void {
    while (this.bits <= 24) {
      let byte = 0;
      const b = this.bytes[this.at];
      if (b === undefined) this.padding++;
      else if (b !== 0xff) {
        byte = b;
        this.at++;
      } else if (this.bytes[this.at + 1] === 0) {
        byte = 0xff;
        this.at += 2;
      } else this.padding++; // a marker: the segment's data ended
      this.buffer = (this.buffer << 8) | byte;
      this.bits += 8;
    }
  }

  /** One Huffman-coded symbol. */
  symbol(table: HuffmanTable): number {
    if (this.bits < 16) this.fill();
    const entry = table.lookup[(this.buffer >>> (this.bits - LOOKUP_BITS)) & ((1 << LOOKUP_BITS) - 1)]!;
    if (entry !== 0) {
      this.bits -= entry >> 8;
      return entry & 0xff;
    }
    const next16 = (this.buffer >>> (this.bits - 16)) & 0xffff;
    let length = LOOKUP_BITS + 1;
    let code = next16 >>> (16 - length);
    while (code > table.maxCode[length]!) code = next16 >>> (16 - ++length);
    if (length > 16) leave();
    this.bits -= length;
    const k = table.firstIndex[length]! + code - table.firstCode[length]!;
    if (k >= table.symbols.length) leave();
    return table.symbols[k]!;
  }

  /** `size` bits read as a signed coefficient (T.81 F.2.2.1, RECEIVE and EXTEND). */
  signed(size: number): number {
    if (size === 0) return 0;
    if (this.bits < size) this.fill();
    this.bits -= size;
    const v = (this.buffer >>> this.bits) & ((1 << size) - 1);
    return v < 1 << (size - 1) ? v - (1 << size) + 1 : v;
  }

  /** End of an interval: every bit read was the file's own (else it is cut short), then realign on a byte. */
  finish(): void {
    if (this.padding * 8 > this.bits) leave();
    this.buffer = 0;
    this.bits = 0;
    this.padding = 0;
  }
}

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
  dcTable?: HuffmanTable;
  acTable?: HuffmanTable;
  prediction: number;
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
    return decode(bytes, maxPixels, chooseScale);
  } catch (err) {
    // a RangeError: a crafted EXIF block pointing outside itself; sharp is the judge of the file
    if (err instanceof LeaveToSharp || err instanceof RangeError) return undefined;
    throw err;
  }
}

function decode(bytes: Uint8Array, maxPixels: number, chooseScale: (width: number, height: number) => JpegScale): Plane {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) leave();
  const quantTables: (Int32Array | undefined)[] = [];
  const dcTables: (HuffmanTable | undefined)[] = [];
  const acTables: (HuffmanTable | undefined)[] = [];
  let frame: Frame | undefined;
  let restartInterval = 0;
  let adobeTransform: number | undefined;
  let at = 2;
  for (;;) {
    if (bytes[at] !== 0xff) leave();
    while (bytes[at] === 0xff) at++; // fill bytes may precede a marker
    const marker = bytes[at++];
    if (marker === undefined || marker === 0xd8 || marker === 0xd9 || (marker >= 0xd0 && marker <= 0xd7)) leave();
    const length = ((bytes[at]! << 8) | bytes[at + 1]!) >>> 0;
    const body = bytes.subarray(at + 2, at + length);
    if (length < 2 || at + length > bytes.length) leave();
    at += length;
    if (marker === 0xdb) readQuantTables(body, quantTables);
    else if (marker === 0xc4) readHuffmanTables(body, dcTables, acTables);
    else if (marker === 0xc0 || marker === 0xc1) frame = readFrame(body, maxPixels);
    else if (marker === 0xdd) restartInterval = (body[0]! << 8) | body[1]!;
    else if (marker === 0xe1 && isExif(body)) checkUpright(body.subarray(6));
    else if (marker === 0xe2 && ascii(body, 0, 12) === 'ICC_PROFILE\0') leave();
    else if (marker === 0xee && ascii(body, 0, 5) === 'Adobe' && body.length >= 12) adobeTransform = body[11];
    else if (marker === 0xda) {
      if (!frame) leave();
      checkYCbCr(frame, adobeTransform);
      const scale = chooseScale(frame.width, frame.height);
      return readScan(bytes, at, body, frame, { quantTables, dcTables, acTables, restartInterval, scale });
    }
    // any other frame type (progressive, lossless, arithmetic coding, hierarchical): sharp's
    else if ((marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xdc) leave();
  }
}

const isExif = (body: Uint8Array) => ascii(body, 0, 6) === 'Exif\0\0';

function readQuantTables(body: Uint8Array, tables: (Int32Array | undefined)[]): void {
  for (let p = 0; p < body.length;) {
    const precision = body[p]! >> 4;
    const id = body[p]! & 15;
    if (precision > 1 || id > 3) leave();
    const table = new Int32Array(64);
    for (let k = 0; k < 64; k++) table[k] = precision ? (body[p + 1 + 2 * k]! << 8) | body[p + 2 + 2 * k]! : body[p + 1 + k]!;
    p += 1 + 64 * (precision + 1);
    if (p > body.length) leave();
    tables[id] = table;
  }
}

function readHuffmanTables(body: Uint8Array, dc: (HuffmanTable | undefined)[], ac: (HuffmanTable | undefined)[]): void {
  for (let p = 0; p < body.length;) {
    const tableClass = body[p]! >> 4;
    const id = body[p]! & 15;
    if (tableClass > 1 || id > 3 || p + 17 > body.length) leave();
    const counts = body.subarray(p + 1, p + 17);
    const total = counts.reduce((s, c) => s + c, 0);
    if (p + 17 + total > body.length) leave();
    const table = huffmanTable(counts, body.slice(p + 17, p + 17 + total));
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
  if ((count !== 1 && count !== 3) || body.length < 6 + 3 * count) leave();
  const components: Component[] = [];
  for (let i = 0; i < count; i++) {
    const p = 6 + 3 * i;
    const h = body[p + 1]! >> 4;
    const v = body[p + 1]! & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4 || body[p + 2]! > 3) leave();
    components.push({ id: body[p]!, h, v, quantTable: body[p + 2]!, prediction: 0 });
  }
  const hMax = Math.max(...components.map((c) => c.h));
  const vMax = Math.max(...components.map((c) => c.v));
  // luma at less than full resolution, or more than T.81's 10 blocks per MCU: sharp's
  if (components[0]!.h !== hMax || components[0]!.v !== vMax || components.reduce((s, c) => s + c.h * c.v, 0) > 10) leave();
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
  readonly dcTables: readonly (HuffmanTable | undefined)[];
  readonly acTables: readonly (HuffmanTable | undefined)[];
  readonly restartInterval: number;
  readonly scale: JpegScale;
}

/** Decode the first scan (its header, then its data from `dataStart`), which must hold the luma, into grey levels at 1/scale. */
function readScan(bytes: Uint8Array, dataStart: number, header: Uint8Array, frame: Frame, tables: ScanTables): Plane {
  const count = header[0]!;
  if (count < 1 || header.length < 4 + 2 * count) leave();
  const inScan: Component[] = [];
  for (let i = 0; i < count; i++) {
    const component = frame.components.find((c) => c.id === header[1 + 2 * i]);
    if (!component || inScan.includes(component)) leave();
    component.dcTable = tables.dcTables[header[2 + 2 * i]! >> 4] ?? leave();
    component.acTable = tables.acTables[header[2 + 2 * i]! & 15] ?? leave();
    inScan.push(component);
  }
  const [ss, se, approximation] = header.subarray(1 + 2 * count, 4 + 2 * count);
  if (ss !== 0 || se !== 63 || approximation !== 0) leave();
  const luma = frame.components[0]!;
  if (!inScan.includes(luma)) leave();
  const quant = tables.quantTables[luma.quantTable] ?? leave();
  const n = 8 / tables.scale;
  const width = Math.ceil(frame.width / tables.scale);
  const height = Math.ceil(frame.height / tables.scale);
  const out: Plane = { width, height, data: new Uint8Array(width * height) };
  const block = new LumaBlock(n, quant, out);
  const reader = new BitReader(bytes, dataStart);
  // one component alone is not interleaved: its blocks in raster order, one per MCU (T.81 A.2.2)
  const single = count === 1;
  const mcusX = single ? Math.ceil(Math.ceil((frame.width * inScan[0]!.h) / frame.hMax) / 8) : Math.ceil(frame.width / (8 * frame.hMax));
  const mcusY = single ? Math.ceil(Math.ceil((frame.height * inScan[0]!.v) / frame.vMax) / 8) : Math.ceil(frame.height / (8 * frame.vMax));
  const interval = tables.restartInterval || mcusX * mcusY;
  for (let mcu = 0; mcu < mcusX * mcusY; mcu++) {
    if (mcu > 0 && mcu % interval === 0) restart(reader, bytes, (mcu / interval - 1) & 7, inScan);
    const mx = mcu % mcusX;
    const my = (mcu - mx) / mcusX;
    for (const component of inScan) {
      const h = single ? 1 : component.h;
      const v = single ? 1 : component.v;
      for (let by = 0; by < v; by++) {
        for (let bx = 0; bx < h; bx++) {
          const keep = component === luma;
          readBlock(reader, component, keep ? block : null);
          if (keep) block.write((mx * h + bx) * n, (my * v + by) * n);
        }
      }
    }
  }
  reader.finish();
  return out;
}

/** The restart marker RSTn that must follow an interval; the DC predictions start again from 0. */
function restart(reader: BitReader, bytes: Uint8Array, expected: number, components: Component[]): void {
  reader.finish();
  while (bytes[reader.at] === 0xff && bytes[reader.at + 1] === 0xff) reader.at++;
  if (bytes[reader.at] !== 0xff || bytes[reader.at + 1] !== 0xd0 + expected) leave();
  reader.at += 2;
  for (const c of components) c.prediction = 0;
}

/**
 * One 8x8 block's coefficients, in file order (T.81 F.2.2); those of the lowest n x n
 * frequencies go into `into`, dequantised, the rest are only read past.
 */
function readBlock(reader: BitReader, component: Component, into: LumaBlock | null): void {
  const dcSize = reader.symbol(component.dcTable!);
  // 8-bit samples give DC differences of at most 11 bits and AC values of at most 10
  if (dcSize > 11) leave();
  component.prediction += reader.signed(dcSize);
  into?.setDc(component.prediction);
  const ac = component.acTable!;
  for (let k = 1; k < 64;) {
    const rs = reader.symbol(ac);
    const run = rs >> 4;
    const size = rs & 15;
    if (size === 0) {
      if (run !== 15) return; // end of block
      k += 16;
      continue;
    }
    k += run;
    if (k > 63 || size > 10) leave();
    const value = reader.signed(size);
    into?.setAc(k, value);
    k++;
  }
}

/** The lowest n x n coefficients of the current luma block, and their inverse transform into the output. */
class LumaBlock {
  private readonly coefficients: Float64Array;
  /** zigzag index -> position in the n x n block, or -1 for a frequency above n */
  private readonly position = new Int8Array(64).fill(-1);
  private readonly matrix: Float64Array;
  private readonly rows: Float64Array;
  private dc = 0;
  /** rows of `coefficients` up to which some AC coefficient is set: often few, and the rest need no transform */
  private acRows = 0;

  constructor(
    private readonly n: number,
    private readonly quant: Int32Array,
    private readonly out: Plane,
  ) {
    this.coefficients = new Float64Array(n * n);
    this.matrix = IDCT[n]!;
    this.rows = new Float64Array(n * n);
    for (let k = 0; k < 64; k++) {
      const row = ZIGZAG[k]! >> 3;
      const col = ZIGZAG[k]! & 7;
      if (row < n && col < n) this.position[k] = row * n + col;
    }
  }

  setDc(value: number): void {
    this.dc = value * this.quant[0]!;
    this.acRows = 0;
  }

  setAc(k: number, value: number): void {
    const p = this.position[k]!;
    if (p < 0) return;
    this.coefficients[p] = value * this.quant[k]!;
    const row = ZIGZAG[k]! >> 3;
    if (row >= this.acRows) this.acRows = row + 1;
  }

  /** The block's n x n pixels at (x0, y0) of the output, cut at its edges; the coefficients are cleared for the next block. */
  write(x0: number, y0: number): void {
    const { n, out, matrix: m, rows, coefficients: c, acRows } = this;
    const { width: stride, data } = out;
    const w = Math.min(n, stride - x0);
    const h = Math.min(n, out.height - y0);
    if (acRows === 0) {
      // a flat block (most of a sheet of paper): every pixel is the mean, DC / 8; plain stores,
      // as a TypedArray.fill call per row of 4 cost more than the 4 stores
      const level = clampLevel(this.dc / 8);
      for (let y = 0, o = y0 * stride + x0; y < h; y++, o += stride) {
        for (let x = 0; x < w; x++) data[o + x] = level;
      }
      return;
    }
    c[0] = this.dc;
    const used = Math.max(1, acRows);
    if (n === 4) {
      // the half-size decode, the common case: butterflies instead of the matrix products
      for (let v = 0; v < used; v++) idct4(c, 4 * v, 1);
      if (used === 1) {
        // horizontal frequencies only (a third of a photo's blocks): the four rows are equal,
        // each column's transform being its DC term alone
        for (let x = 0; x < 4; x++) c[x] = clampLevel(DC_4 * c[x]!);
        for (let y = 0, o = y0 * stride + x0; y < h; y++, o += stride) {
          for (let x = 0; x < w; x++) data[o + x] = c[x]!;
        }
        for (let x = 0; x < 4; x++) c[x] = 0;
        return;
      }
      for (let x = 0; x < 4; x++) idct4(c, x, 4);
      for (let y = 0, o = y0 * stride + x0; y < h; y++, o += stride) {
        for (let x = 0; x < w; x++) data[o + x] = clampLevel(c[4 * y + x]!);
      }
      for (let i = 0; i < 16; i++) c[i] = 0;
      return;
    }
    // rows first: rows[v][x] = sum over u of m[x][u] c[v][u]; then columns (the DC's row at least)
    for (let v = 0; v < used; v++) {
      for (let x = 0; x < n; x++) {
        let s = 0;
        for (let u = 0; u < n; u++) s += m[x * n + u]! * c[v * n + u]!;
        rows[v * n + x] = s;
      }
    }
    for (let y = 0; y < h; y++) {
      const o = (y0 + y) * out.width + x0;
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let v = 0; v < used; v++) s += m[y * n + v]! * rows[v * n + x]!;
        out.data[o + x] = clampLevel(s);
      }
    }
    c.fill(0, 0, used * n);
  }
}

/** IDCT[4]'s entries: C(u) cos(k pi / 8) / 2 */
const DC_4 = Math.SQRT1_2 / 2;
const COS_1 = Math.cos(Math.PI / 8) / 2;
const COS_2 = Math.cos(Math.PI / 4) / 2;
const COS_3 = Math.cos((3 * Math.PI) / 8) / 2;

/**
 * IDCT[4] applied in place to d[i], d[i + s], d[i + 2s], d[i + 3s]: the even and odd halves of
 * the sum, which the four outputs share with their signs turned (cos((2x + 1) u pi / 8) is
 * symmetric in x for even u, antisymmetric for odd u).
 */
function idct4(d: Float64Array, i: number, s: number): void {
  const f0 = d[i]!;
  const f1 = d[i + s]!;
  const f2 = d[i + 2 * s]!;
  const f3 = d[i + 3 * s]!;
  const even0 = DC_4 * f0 + COS_2 * f2;
  const even1 = DC_4 * f0 - COS_2 * f2;
  const odd0 = COS_1 * f1 + COS_3 * f3;
  const odd1 = COS_3 * f1 - COS_1 * f3;
  d[i] = even0 + odd0;
  d[i + s] = even1 + odd1;
  d[i + 2 * s] = even1 - odd1;
  d[i + 3 * s] = even0 - odd0;
}

/** A level-shifted sample (T.81 A.3.1: +128) rounded and clamped to 0..255. */
function clampLevel(sample: number): number {
  const v = sample + 128.5;
  return v < 0 ? 0 : v > 255 ? 255 : v | 0;
}
