/**
 * JPEGs and PNGs taken apart into their segments and chunks and put back together, so a test
 * can damage one part of a real file and keep the rest sound; and a baseline JPEG written by
 * hand, for sampling factors and scan layouts no encoder here writes.
 */
import { PNG_SIGNATURE, pngChunk } from '../../support/png.js';

/** A marker segment: the byte after 0xFF, and what its length field covers beyond itself. */
export interface JpegSegment {
  readonly marker: number;
  readonly body: Buffer;
}

/** A JPEG's segments up to its first scan header, and the bytes after that header (the scan's data, EOI, anything else). */
export interface JpegParts {
  readonly segments: JpegSegment[];
  readonly data: Buffer;
}

export function jpegParts(jpeg: Uint8Array): JpegParts {
  const bytes = Buffer.from(jpeg);
  const segments: JpegSegment[] = [];
  for (let at = 2; at + 4 <= bytes.length;) {
    const marker = bytes[at + 1]!;
    const end = at + 2 + bytes.readUInt16BE(at + 2);
    segments.push({ marker, body: bytes.subarray(at + 4, end) });
    if (marker === 0xda) return { segments, data: bytes.subarray(end) };
    at = end;
  }
  throw new Error('no scan header');
}

export function jpegBytes({ segments, data }: JpegParts): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8]), ...segments.map(segmentBytes), data]);
}

/** A segment as it sits in the file: marker, length, body. */
export function segmentBytes({ marker, body }: JpegSegment): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** The file with `edit` applied to a copy of its segments (bodies copied too, so they can be changed in place). */
export function editJpeg(jpeg: Uint8Array, edit: (segments: JpegSegment[]) => void, data?: Buffer): Buffer {
  const parts = jpegParts(jpeg);
  const segments = parts.segments.map((s) => ({ marker: s.marker, body: Buffer.from(s.body) }));
  edit(segments);
  return jpegBytes({ segments, data: data ?? parts.data });
}

/** The first segment with this marker (and, for DHT and DQT, this class and id byte first). */
export function segment(segments: JpegSegment[], marker: number, firstByte?: number): JpegSegment {
  const found = segments.find((s) => s.marker === marker && (firstByte === undefined || s.body[0] === firstByte));
  if (!found) throw new Error(`no segment 0x${marker.toString(16)}`);
  return found;
}

/** One DHT table: class and id byte, 16 counts per code length, symbols. */
export function huffmanSegment(classAndId: number, counts: readonly number[], symbols: readonly number[]): JpegSegment {
  return { marker: 0xc4, body: Buffer.from([classAndId, ...counts, ...Array(16 - counts.length).fill(0), ...symbols]) };
}

/** A PNG chunk; `crc` is the stored one, which a damaged file may get wrong. */
export interface PngPart {
  readonly type: string;
  readonly body: Buffer;
  readonly crc?: number;
}

/** The chunks of a PNG, as far as their lengths hold. */
export function pngParts(png: Uint8Array): PngPart[] {
  const bytes = Buffer.from(png);
  const parts: PngPart[] = [];
  for (let at = 8; at + 12 <= bytes.length;) {
    const end = at + 12 + bytes.readUInt32BE(at);
    if (end > bytes.length) break;
    parts.push({ type: bytes.toString('latin1', at + 4, at + 8), body: bytes.subarray(at + 8, end - 4), crc: bytes.readUInt32BE(end - 4) });
    at = end;
  }
  return parts;
}

/** The PNG of these chunks, each with its stored CRC when it has one, a correct one otherwise. */
export function pngBytes(parts: readonly PngPart[]): Buffer {
  return Buffer.concat([
    PNG_SIGNATURE,
    ...parts.map(({ type, body, crc }) => {
      const chunk = pngChunk(type, body);
      if (crc !== undefined) chunk.writeUInt32BE(crc, chunk.length - 4);
      return chunk;
    }),
  ]);
}

/** The chunks with the image data (all IDATs joined) cut into `pieces` IDATs of about equal size. */
export function splitIdat(parts: readonly PngPart[], pieces: number): PngPart[] {
  const first = parts.findIndex((p) => p.type === 'IDAT');
  const data = Buffer.concat(parts.filter((p) => p.type === 'IDAT').map((p) => p.body));
  const size = Math.ceil(data.length / pieces);
  const idats = Array.from({ length: pieces }, (_, i) => ({ type: 'IDAT', body: data.subarray(i * size, (i + 1) * size) }));
  return [...parts.slice(0, first), ...idats, ...parts.slice(first).filter((p) => p.type !== 'IDAT')];
}

export interface FlatJpegComponent {
  readonly id: number;
  /** horizontal and vertical sampling factors */
  readonly h: number;
  readonly v: number;
}

/**
 * A baseline JPEG of one flat grey level (`level`, neutral chroma): one quantisation table of
 * ones, T.81's luminance DC table and an AC table of end-of-block alone, and the components
 * in `scans` (indices into `components`; one interleaved scan of all of them by default).
 */
export function flatJpeg(
  width: number,
  height: number,
  components: readonly FlatJpegComponent[],
  level: number,
  scans?: number[][],
): Buffer {
  const hMax = Math.max(...components.map((c) => c.h));
  const vMax = Math.max(...components.map((c) => c.v));
  const dcCounts = [0, 1, 5, 1, 1, 1, 1, 1, 1];
  const dcCodes = canonicalCodes(dcCounts);
  const segments: JpegSegment[] = [
    { marker: 0xdb, body: Buffer.from([0, ...Array(64).fill(1)]) },
    {
      marker: 0xc0,
      body: Buffer.from([
        8,
        height >> 8,
        height & 255,
        width >> 8,
        width & 255,
        components.length,
        ...components.flatMap((c) => [c.id, (c.h << 4) | c.v, 0]),
      ]),
    },
    huffmanSegment(0x00, dcCounts, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
    huffmanSegment(0x10, [1], [0]),
  ];
  const scanData: Buffer[] = [];
  for (const scan of scans ?? [components.map((_, i) => i)]) {
    const inScan = scan.map((i) => components[i]!);
    const bits = new BitWriter();
    const dcOf = (c: FlatJpegComponent) => (c === components[0] ? 8 * (level - 128) : 0);
    const previous = new Map<FlatJpegComponent, number>();
    const block = (c: FlatJpegComponent) => {
      const diff = dcOf(c) - (previous.get(c) ?? 0);
      previous.set(c, dcOf(c));
      const size = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
      bits.write(dcCodes[size]!);
      if (size > 0) bits.write({ code: diff > 0 ? diff : diff + (1 << size) - 1, length: size });
      bits.write({ code: 0, length: 1 }); // end of block
    };
    if (inScan.length === 1) {
      // one component alone: its own blocks in raster order (T.81 A.2.2)
      const c = inScan[0]!;
      const blocks = Math.ceil(Math.ceil((width * c.h) / hMax) / 8) * Math.ceil(Math.ceil((height * c.v) / vMax) / 8);
      for (let b = 0; b < blocks; b++) block(c);
    } else {
      const mcus = Math.ceil(width / (8 * hMax)) * Math.ceil(height / (8 * vMax));
      for (let m = 0; m < mcus; m++) for (const c of inScan) for (let b = 0; b < c.h * c.v; b++) block(c);
    }
    const header = { marker: 0xda, body: Buffer.from([inScan.length, ...inScan.flatMap((c) => [c.id, 0x00]), 0, 63, 0]) };
    scanData.push(segmentBytes(header), bits.bytes());
  }
  return jpegBytes({ segments, data: Buffer.concat([...scanData, Buffer.from([0xff, 0xd9])]) });
}

/** T.81's canonical codes (annex C) of a table with these counts per code length, in symbol order. */
function canonicalCodes(counts: readonly number[]): { code: number; length: number }[] {
  const codes: { code: number; length: number }[] = [];
  let code = 0;
  counts.forEach((count, i) => {
    for (let k = 0; k < count; k++) codes.push({ code: code++, length: i + 1 });
    code <<= 1;
  });
  return codes;
}

/** Entropy-coded bytes: bits most significant first, 0xFF stuffed with 0x00, the last byte padded with ones. */
class BitWriter {
  private readonly out: number[] = [];
  private acc = 0;
  private count = 0;

  write({ code, length }: { code: number; length: number }): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((code >> i) & 1);
      if (++this.count === 8) this.flushByte();
    }
  }

  bytes(): Buffer {
    while (this.count !== 0) this.write({ code: 1, length: 1 });
    return Buffer.from(this.out);
  }

  private flushByte(): void {
    this.out.push(this.acc);
    if (this.acc === 0xff) this.out.push(0);
    this.acc = 0;
    this.count = 0;
  }
}
