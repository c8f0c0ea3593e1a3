/**
 * Seeded damage to PNGs and JPEGs, the adversarial probe's way: bytes flipped, set, cut,
 * repeated and deleted anywhere, and changes to the structure the decoders read (segments and
 * chunks duplicated, dropped, swapped and inserted, markers and tables with bad contents,
 * length fields, scan data, IDATs split around another chunk). A changed chunk mostly gets a
 * correct CRC, and the image data is sometimes inflated, changed and deflated again, so the
 * damage reaches past the checks a reader makes first.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { jpegBytes, jpegParts, pngBytes, pngParts, segmentBytes, type JpegSegment, type PngPart } from './image-parts.js';

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;
const chance = (r: Rand, p: number) => r() < p;
const randomBytes = (r: Rand, n: number) => Buffer.from(Array.from({ length: n }, () => int(r, 256)));

/** The file damaged by one to three mutations, and their names. */
export function mutate(r: Rand, file: Buffer, format: 'png' | 'jpeg'): { bytes: Buffer; how: string } {
  const mutations = { ...BYTE_MUTATIONS, ...(format === 'png' ? PNG_MUTATIONS : JPEG_MUTATIONS) };
  // the structural mutations, which reach further, twice as often as the blind ones
  const names = [...Object.keys(mutations), ...Object.keys(format === 'png' ? PNG_MUTATIONS : JPEG_MUTATIONS)];
  let bytes = file;
  const how: string[] = [];
  // mostly one mutation: damage on damage is mostly refused, by both decoders alike
  for (let n = pick(r, [1, 1, 1, 2, 2, 3]); n > 0; n--) {
    const name = pick(r, names);
    const result = mutations[name]!(r, bytes);
    bytes = result.bytes;
    how.push(result.detail ? `${name}(${result.detail})` : name);
  }
  return { bytes, how: how.join('+') };
}

/** A mutation's result: the new bytes, and what it did when its name alone does not say. */
interface Mutated {
  readonly bytes: Buffer;
  readonly detail?: string;
}
type Mutation = (r: Rand, b: Buffer) => Mutated;

/** A mutation of the bytes alone. */
const blind =
  (change: (r: Rand, b: Buffer) => Buffer): Mutation =>
  (r, b) => ({ bytes: change(r, b) });

const BYTE_MUTATIONS: Record<string, Mutation> = {
  bitflips: blind((r, b) => {
    const out = Buffer.from(b);
    for (let n = 1 + int(r, 8); n > 0 && out.length; n--) out[int(r, out.length)]! ^= 1 << int(r, 8);
    return out;
  }),
  setBytes: blind((r, b) => {
    const out = Buffer.from(b);
    for (let n = 1 + int(r, 4); n > 0 && out.length; n--) out[int(r, out.length)] = pick(r, [0x00, 0xff, int(r, 256)]);
    return out;
  }),
  truncate: blind((r, b) => b.subarray(0, int(r, b.length))),
  deleteSlice: blind((r, b) => {
    const start = int(r, b.length);
    return Buffer.concat([b.subarray(0, start), b.subarray(start + 1 + int(r, 32))]);
  }),
  duplicateSlice: blind((r, b) => {
    const start = int(r, b.length);
    const at = int(r, b.length + 1);
    return Buffer.concat([b.subarray(0, at), b.subarray(start, start + 1 + int(r, 64)), b.subarray(at)]);
  }),
};

// ---------------------------------------------------------------- PNG

/** Chunks a mutation inserts: harmless, deferred to sharp, badly formed, misnamed, critical. */
const PNG_INSERTS: readonly ((r: Rand) => PngPart)[] = [
  () => ({ type: 'tEXt', body: Buffer.from('Comment\0inserted') }),
  (r) => ({ type: 'tEXt', body: randomBytes(r, int(r, 12)) }),
  (r) => ({ type: 'zTXt', body: Buffer.concat([Buffer.from('k\0\0'), randomBytes(r, int(r, 12))]) }),
  (r) => ({ type: 'pHYs', body: randomBytes(r, pick(r, [9, 9, 3])) }),
  () => ({ type: 'sRGB', body: Buffer.from([0]) }),
  (r) => ({ type: pick(r, ['gAMA', 'cHRM', 'sBIT', 'tRNS', 'iCCP', 'eXIf', 'bKGD', 'tIME']), body: randomBytes(r, int(r, 14)) }),
  () => ({ type: 'PLTE', body: Buffer.alloc(6) }),
  (r) => ({ type: pick(r, ['prVt', 'abCd', 'xyZw']), body: randomBytes(r, int(r, 8)) }),
  // types libpng refuses: a non-letter, the reserved bit set
  (r) => ({ type: pick(r, ['pr1v', 'tExt', 'ab d', 'a[Cd']), body: randomBytes(r, int(r, 8)) }),
  // critical: unknown, a second IHDR, an early IEND, an empty IDAT
  (r) => ({ type: pick(r, ['ABCD', 'IHDR', 'IEND', 'IDAT']), body: Buffer.alloc(pick(r, [0, 13])) }),
];

/** A mutation of the chunks, which returns what it did. */
function chunkMutation(edit: (r: Rand, parts: PngPart[]) => string | undefined): Mutation {
  return (r, b) => {
    const parts = pngParts(b);
    if (parts.length === 0) return { bytes: b };
    const detail = edit(r, parts);
    return { bytes: pngBytes(parts), detail };
  };
}

/** The chunk with its body changed: CRC made right, mostly, so the damage gets past it. */
function withBody(r: Rand, part: PngPart, body: Buffer): PngPart {
  return chance(r, 0.85) ? { type: part.type, body } : { ...part, body };
}

const inflateOrUndefined = (data: Buffer) => {
  try {
    return inflateSync(data);
  } catch {
    return undefined;
  }
};

const PNG_MUTATIONS: Record<string, Mutation> = {
  pngDropChunk: chunkMutation((r, parts) => parts.splice(int(r, parts.length), 1)[0]!.type),
  pngDuplicateChunk: chunkMutation((r, parts) => {
    const i = int(r, parts.length);
    parts.splice(int(r, parts.length + 1), 0, parts[i]!);
    return parts[i]!.type;
  }),
  pngSwapChunks: chunkMutation((r, parts) => {
    const [i, j] = [int(r, parts.length), int(r, parts.length)];
    [parts[i], parts[j]] = [parts[j]!, parts[i]!];
    return `${parts[j]!.type},${parts[i]!.type}`;
  }),
  pngInsertChunk: chunkMutation((r, parts) => {
    const part = pick(r, PNG_INSERTS)(r);
    parts.splice(1 + int(r, parts.length), 0, part);
    return part.type;
  }),
  pngSplitIdat: chunkMutation((r, parts) => {
    const first = parts.findIndex((p) => p.type === 'IDAT');
    if (first < 0) return 'no IDAT';
    const data = Buffer.concat(parts.filter((p) => p.type === 'IDAT').map((p) => p.body));
    const cuts = [0, ...Array.from({ length: 1 + int(r, 3) }, () => int(r, data.length + 1)).sort((a, b) => a - b), data.length];
    const idats: PngPart[] = cuts.slice(1).map((end, k) => ({ type: 'IDAT', body: data.subarray(cuts[k]!, end) }));
    // another chunk between two IDATs, most times
    const between = chance(r, 0.7) ? pick(r, PNG_INSERTS)(r) : undefined;
    if (between) idats.splice(1 + int(r, idats.length - 1), 0, between);
    const rest = parts.filter((p) => p.type !== 'IDAT');
    parts.splice(0, parts.length, ...rest.slice(0, first), ...idats, ...rest.slice(first));
    return `${idats.length} pieces${between ? ` around ${between.type}` : ''}`;
  }),
  pngChunkBody: chunkMutation((r, parts) => {
    const i = int(r, parts.length);
    const body = Buffer.from(parts[i]!.body);
    for (let n = 1 + int(r, 3); n > 0 && body.length; n--) body[int(r, body.length)] = pick(r, [0x00, 0xff, int(r, 256), body[0]! ^ 1]);
    parts[i] = withBody(r, parts[i]!, body);
    return parts[i]!.type;
  }),
  pngHeader: chunkMutation((r, parts) => {
    if (parts[0]!.type !== 'IHDR' || parts[0]!.body.length !== 13) return 'no IHDR';
    const ihdr = Buffer.from(parts[0]!.body);
    const field = int(r, 7);
    if (field < 2) ihdr.writeUInt32BE(pick(r, [0, 1, 27, 28, 29, 127, 128, 129, 320, 321, 0x7fffffff, int(r, 400)]), 4 * field);
    else ihdr[6 + field] = pick(r, [0, 1, 2, 3, 4, 6, 8, 16, int(r, 256)]);
    parts[0] = withBody(r, parts[0]!, ihdr);
    return ['width', 'height', 'depth', 'colour type', 'compression', 'filter', 'interlace'][field];
  }),
  pngImageData: chunkMutation((r, parts) => {
    // the rows themselves: filter types and levels, or a few bytes too many or too few
    const first = parts.findIndex((p) => p.type === 'IDAT');
    const rows = first < 0 ? undefined : inflateOrUndefined(Buffer.concat(parts.filter((p) => p.type === 'IDAT').map((p) => p.body)));
    if (!rows) return 'unreadable';
    let changed: Buffer = Buffer.from(rows);
    const kind = int(r, 3);
    if (kind === 0)
      for (let n = 1 + int(r, 3); n > 0 && changed.length; n--) changed[int(r, changed.length)] = pick(r, [0, 1, 2, 3, 4, 5, 255]);
    else if (kind === 1) for (let n = 1 + int(r, 8); n > 0 && changed.length; n--) changed[int(r, changed.length)] = int(r, 256);
    else
      changed = chance(r, 0.5)
        ? changed.subarray(0, changed.length - 1 - int(r, 8))
        : Buffer.concat([changed, randomBytes(r, 1 + int(r, 8))]);
    const idat = { type: 'IDAT', body: deflateSync(changed, { level: int(r, 10) }) };
    parts.splice(0, parts.length, ...parts.slice(0, first), idat, ...parts.slice(first).filter((p) => p.type !== 'IDAT'));
    return ['filter types', 'levels', 'length'][kind];
  }),
  pngLength: (r, b) => {
    // a chunk's length field off, its bytes unchanged
    const out = Buffer.from(b);
    const starts: number[] = [];
    for (let at = 8; at + 8 <= out.length; at += 12 + out.readUInt32BE(at)) starts.push(at);
    if (starts.length === 0) return { bytes: out };
    const at = pick(r, starts);
    out.writeUInt32BE(pick(r, [0, 1, 0x7fffffff, 0xffffffff, Math.max(0, out.readUInt32BE(at) + pick(r, [-4, -1, 1, 4]))]) >>> 0, at);
    return { bytes: out, detail: out.toString('latin1', at + 4, at + 8) };
  },
  pngTail: (r, b) => {
    const iend = b.lastIndexOf('IEND') - 4;
    if (iend < 8) return { bytes: b, detail: 'no IEND to change' };
    const kind = int(r, 3);
    if (kind === 0) return { bytes: Buffer.concat([b, randomBytes(r, 1 + int(r, 16))]), detail: 'bytes after IEND' };
    if (kind === 1) return { bytes: b.subarray(0, iend), detail: 'no IEND' };
    const iendWithBody = pngBytes([{ type: 'IEND', body: randomBytes(r, 1 + int(r, 4)) }]).subarray(8);
    return { bytes: Buffer.concat([b.subarray(0, iend), iendWithBody]), detail: 'IEND with a body' };
  },
};

// ---------------------------------------------------------------- JPEG

const SOF0 = 0xc0;

/** Segments a mutation inserts, as the probe did: markers libjpeg refuses or reads its own way, and tables with bad contents. */
function jpegInsert(r: Rand, frame: Buffer | undefined): JpegSegment {
  switch (int(r, 12)) {
    case 0:
      return { marker: 0xcc, body: pick(r, [Buffer.from([int(r, 48), int(r, 256)]), randomBytes(r, int(r, 4))]) }; // DAC
    case 1:
      // another frame header: SOFn of every kind, 0xC8 (JPG) among them
      return {
        marker: pick(r, [0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]),
        body: frame ?? randomBytes(r, 15),
      };
    case 2: {
      // DHT: a DC symbol over 15, an all-ones or overfull code, a bad class or id, too short
      const counts = Array.from({ length: 16 }, (_, i) => (i < 9 ? pick(r, [0, 1, 2, 5]) : 0));
      const total = counts.reduce((s, c) => s + c, 0);
      const symbols = Array.from({ length: total }, (_, i) => (i === total - 1 && chance(r, 0.5) ? 16 + int(r, 240) : i % 12));
      const body = Buffer.from([pick(r, [0x00, 0x01, 0x10, 0x11, 0x02, 0x04, 0x20, 0x31]), ...counts, ...symbols]);
      return { marker: 0xc4, body: chance(r, 0.8) ? body : body.subarray(0, int(r, body.length)) };
    }
    case 3: {
      // DQT: a table id or precision out of range, or cut short
      const body = Buffer.from([pick(r, [0x00, 0x01, 0x02, 0x04, 0x10, 0x20]), ...Array.from({ length: 64 }, () => 1 + int(r, 255))]);
      return { marker: 0xdb, body: chance(r, 0.7) ? body : body.subarray(0, int(r, body.length)) };
    }
    case 4:
      return { marker: 0xdd, body: randomBytes(r, pick(r, [0, 1, 2, 2, 3])) }; // DRI
    case 5:
      // parameterless (TEM, RSTn) and reserved markers (JPGn, RESn, DHP, EXP), DNL, SOI, EOI
      return { marker: pick(r, [0x01, 0xd0, 0xd7, 0xf0, 0xfd, 0x02, 0xbf, 0xde, 0xdf, 0xdc, 0xd8, 0xd9]), body: randomBytes(r, int(r, 6)) };
    case 6:
      return { marker: 0xee, body: Buffer.from([...Buffer.from('Adobe'), 0, 100, 0, 0, 0, 0, pick(r, [0, 1, 2])]) };
    case 7: {
      // EXIF with an orientation (big-endian TIFF, one IFD entry 0x0112, type SHORT)
      const tiff = Buffer.concat([
        Buffer.from('4d4d002a000000080001011200030000000100', 'hex'),
        Buffer.from([pick(r, [1, 6, 0, 9]), 0, 0, 0, 0, 0, 0]),
      ]);
      return {
        marker: 0xe1,
        body: Buffer.concat([Buffer.from('Exif\0\0'), chance(r, 0.8) ? tiff : tiff.subarray(0, int(r, tiff.length))]),
      };
    }
    case 8:
      return { marker: 0xe2, body: Buffer.concat([Buffer.from('ICC_PROFILE\0\x01\x01'), randomBytes(r, 8)]) };
    case 9:
      return { marker: 0xe0 + int(r, 16), body: randomBytes(r, int(r, 20)) };
    case 10:
      return { marker: 0xfe, body: randomBytes(r, int(r, 20)) }; // COM
    default:
      return { marker: 0xda, body: randomBytes(r, 1 + int(r, 12)) }; // an SOS too early
  }
}

/** A mutation of the segments up to the first scan header, which returns what it did. */
function segmentMutation(edit: (r: Rand, segments: JpegSegment[]) => string | undefined): Mutation {
  return (r, b) => {
    const parts = jpegPartsOrUndefined(b);
    if (!parts) return { bytes: b };
    const segments = parts.segments.map((s) => ({ marker: s.marker, body: Buffer.from(s.body) }));
    const detail = edit(r, segments);
    return { bytes: jpegBytes({ segments, data: parts.data }), detail };
  };
}

/** The parts of a JPEG that earlier damage may have left without a scan header. */
function jpegPartsOrUndefined(b: Buffer) {
  try {
    return jpegParts(b);
  } catch {
    return undefined;
  }
}

const hex = (marker: number) => marker.toString(16).toUpperCase();

const JPEG_MUTATIONS: Record<string, Mutation> = {
  jpegDropSegment: segmentMutation((r, s) => hex(s.splice(int(r, s.length), 1)[0]!.marker)),
  jpegDuplicateSegment: segmentMutation((r, s) => {
    const i = int(r, s.length);
    s.splice(int(r, s.length), 0, s[i]!);
    return hex(s[i]!.marker);
  }),
  jpegSwapSegments: segmentMutation((r, s) => {
    const [i, j] = [int(r, s.length), int(r, s.length)];
    [s[i], s[j]] = [s[j]!, s[i]!];
    return `${hex(s[j]!.marker)},${hex(s[i]!.marker)}`;
  }),
  jpegInsertSegment: segmentMutation((r, s) => {
    const added = jpegInsert(r, s.find((x) => x.marker === SOF0)?.body);
    s.splice(int(r, s.length), 0, added);
    return hex(added.marker);
  }),
  jpegFrame: segmentMutation((r, s) => {
    // SOF fields: precision, size, component count, sampling factors, tables, ids
    const sof = s.find((x) => x.marker === SOF0 || x.marker === 0xc1);
    if (!sof || sof.body.length < 9) return 'no frame';
    const b = sof.body;
    const comp = 6 + 3 * int(r, Math.max(1, Math.floor((b.length - 6) / 3)));
    const field = int(r, 6);
    if (field === 0) b[0] = pick(r, [0, 7, 12, 16]);
    else if (field === 1) b.writeUInt16BE(pick(r, [0, 1, 7, 8, 9, 100, 640, 641, 65535, int(r, 700)]), pick(r, [1, 3]));
    else if (field === 2) b[5] = pick(r, [0, 1, 2, 3, 4]);
    else if (field === 3) b[comp + 1] = (int(r, 6) << 4) | int(r, 6);
    else if (field === 4) b[comp + 2] = int(r, 5);
    else b[comp] = pick(r, [1, 2, 3, 82, 71, 66, int(r, 256)]);
    return ['precision', 'size', 'count', 'sampling', 'table', 'id'][field];
  }),
  jpegScanHeader: segmentMutation((r, s) => {
    // SOS fields: count, component ids, table selectors, spectral selection and approximation
    const sos = s.at(-1)!;
    if (sos.marker !== 0xda || sos.body.length < 6) return 'no scan';
    const i = int(r, sos.body.length);
    sos.body[i] = pick(r, [0, 1, 2, 3, 4, 0x11, 0x22, 0x33, 0x44, 63, int(r, 256)]);
    return `byte ${i}`;
  }),
  jpegTables: segmentMutation((r, s) => {
    // a count or a symbol of a Huffman table, or a quantisation table's id and precision
    const tables = s.filter((x) => (x.marker === 0xc4 || x.marker === 0xdb) && x.body.length > 17);
    if (tables.length === 0) return 'no tables';
    const t = pick(r, tables);
    if (t.marker === 0xdb) t.body[0] = pick(r, [0x00, 0x01, 0x02, 0x03, 0x10, 0x11, 0x04]);
    else {
      const i = chance(r, 0.5) ? 1 + int(r, 16) : 17 + int(r, t.body.length - 17);
      t.body[i] = pick(r, [0, 1, t.body[i]! + 1, t.body[i]! - 1, 15, 16, 255]) & 255;
    }
    return hex(t.marker);
  }),
  jpegLength: (r, b) => {
    // a segment's length field off by a little, its bytes unchanged
    const out = Buffer.from(b);
    const starts: number[] = [];
    for (let at = 2; at + 4 <= out.length && out[at] === 0xff && out[at + 1] !== 0xda; at += 2 + out.readUInt16BE(at + 2)) starts.push(at);
    if (starts.length === 0) return { bytes: out };
    const at = pick(r, starts);
    out.writeUInt16BE(Math.max(0, Math.min(65535, out.readUInt16BE(at + 2) + pick(r, [-2, -1, 1, 2, 16]))), at + 2);
    return { bytes: out, detail: hex(out[at + 1]!) };
  },
  jpegData: (r, b) => {
    // the scan's data: bits flipped, a marker in it, cut short, no EOI, bytes after EOI
    const parts = jpegPartsOrUndefined(b);
    if (!parts) return { bytes: b };
    const data = Buffer.from(parts.data);
    const eoi = data.lastIndexOf(Buffer.from([0xff, 0xd9]));
    const end = eoi < 0 ? data.length : eoi;
    const kind = int(r, 6);
    let changed: Buffer = data;
    if (kind === 0) for (let n = 1 + int(r, 4); n > 0 && end > 0; n--) data[int(r, end)]! ^= 1 << int(r, 8);
    else if (kind === 1) {
      const at = int(r, end + 1);
      const marker = pick(r, [
        Buffer.from([0xff, 0xd0 + int(r, 8)]),
        Buffer.from([0xff, 0xd9]),
        segmentBytes(jpegInsert(r, undefined)),
        Buffer.from([0xff]),
      ]);
      changed = Buffer.concat([data.subarray(0, at), marker, data.subarray(at)]);
    } else if (kind === 2) changed = Buffer.concat([data.subarray(0, int(r, end + 1)), Buffer.from([0xff, 0xd9])]);
    else if (kind === 3) changed = data.subarray(0, end);
    else if (kind === 4) changed = Buffer.concat([data.subarray(0, end), randomBytes(r, 1 + int(r, 24))]);
    else changed = Buffer.concat([data, pick(r, [randomBytes(r, 1 + int(r, 24)), segmentBytes(jpegInsert(r, undefined))])]);
    return {
      bytes: jpegBytes({ segments: parts.segments, data: changed }),
      detail: ['bit flips', 'a marker', 'cut short', 'no EOI', 'garbage for EOI', 'after EOI'][kind]!,
    };
  },
};
