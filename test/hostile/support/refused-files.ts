/**
 * Damaged files sharp refuses (failOn 'error'), each made from a sound file by one change:
 * the six families of the adversarial probe's finding 4, which the on-thread decoders once
 * read (preprocess=mnist answered 200 where preprocess=plain answered 400), and their kin
 * found since, by the mutation fuzzer (decoder-verdicts.test.ts) or in libjpeg's and libpng's
 * rules. Every JPEG family takes a sound three-component baseline JPEG whose chroma tables are
 * 0 or 1, every PNG family a sound PNG.
 */
import {
  editJpeg,
  flatJpeg,
  huffmanSegment,
  jpegParts,
  pngBytes,
  pngParts,
  segment,
  splitIdat,
  type FlatJpegComponent,
  type JpegSegment,
} from './image-parts.js';

export interface RefusedFamily {
  readonly name: string;
  /** one of the six families of finding 4 (the others were found since) */
  readonly probe: boolean;
  readonly make: (sound: Buffer) => Buffer;
}

const SOF0 = 0xc0;

/** DC table 0 of the file redefined with one more symbol, `symbol`, at code length `length`. */
function extraDcSymbol(segments: JpegSegment[], symbol: number, length: number): void {
  const dht = segment(segments, 0xc4, 0x00);
  const counts = [...dht.body.subarray(1, 17)];
  const total = counts.reduce((s, c) => s + c, 0);
  const symbols = [...dht.body.subarray(17, 17 + total)];
  // the symbols are listed by code length: the new one goes after those of its length
  const at = counts.slice(0, length).reduce((s, c) => s + c, 0);
  symbols.splice(at, 0, symbol);
  counts[length - 1]!++;
  const rest = dht.body.subarray(17 + total);
  segments.splice(segments.indexOf(dht), 1, { marker: 0xc4, body: Buffer.concat([huffmanSegment(0x00, counts, symbols).body, rest]) });
}

/** The longest code length of DC table 0, and whether its one free code there is all ones (T.81's canonical assignment). */
function longestDcCode(segments: JpegSegment[]): { length: number; freeIsAllOnes: boolean } {
  const counts = [...segment(segments, 0xc4, 0x00).body.subarray(1, 17)];
  const length = counts.findLastIndex((c) => c > 0) + 1;
  // the first code after those of length l: the first after those of l - 1, shifted, plus l's
  const next = counts.slice(0, length).reduce((code, count) => (code << 1) + count, 0);
  return { length, freeIsAllOnes: next === 2 ** length - 1 };
}

const insertBefore = (segments: JpegSegment[], marker: number, added: JpegSegment) =>
  segments.splice(segments.indexOf(segment(segments, marker)), 0, added);

/** The segment with this marker given one byte more than its length held. */
function lengthen(segments: JpegSegment[], marker: number): void {
  const i = segments.indexOf(segment(segments, marker));
  segments[i] = { marker, body: Buffer.concat([segments[i]!.body, Buffer.alloc(1)]) };
}

export const REFUSED_JPEGS: readonly RefusedFamily[] = [
  {
    name: 'an undefined chroma quantisation table',
    probe: true,
    // Cb's table 2, which no DQT defines
    make: (jpeg) =>
      editJpeg(jpeg, (s) => {
        segment(s, SOF0).body[6 + 3 + 2] = 2;
      }),
  },
  {
    name: 'a DC Huffman table with a symbol over 15',
    probe: true,
    // at the longest code length, a code the data never uses
    make: (jpeg) => editJpeg(jpeg, (s) => extraDcSymbol(s, 0x20, 16)),
  },
  {
    name: 'an SOF marker libjpeg does not support (0xC8)',
    probe: true,
    make: (jpeg) => editJpeg(jpeg, (s) => insertBefore(s, SOF0, { marker: 0xc8, body: segment(s, SOF0).body })),
  },
  {
    name: 'a bogus DAC marker',
    probe: true,
    // conditioning table 32: there are 16 of each class
    make: (jpeg) => editJpeg(jpeg, (s) => insertBefore(s, SOF0, { marker: 0xcc, body: Buffer.from([0x20, 0x00]) })),
  },
  {
    name: 'two SOF0 markers',
    probe: true,
    make: (jpeg) => editJpeg(jpeg, (s) => insertBefore(s, SOF0, segment(s, SOF0))),
  },
  {
    name: "a scan naming the components out of the frame's order",
    probe: false,
    // Cr before Cb
    make: (jpeg) =>
      editJpeg(jpeg, (s) => {
        const sos = s.at(-1)!.body;
        [sos[3], sos[5]] = [sos[5]!, sos[3]!];
      }),
  },
  {
    name: 'a reserved marker (JPG0)',
    probe: false,
    make: (jpeg) => editJpeg(jpeg, (s) => insertBefore(s, SOF0, { marker: 0xf0, body: Buffer.from('x') })),
  },
  {
    name: 'an SOF one byte longer than its components',
    probe: false,
    make: (jpeg) => editJpeg(jpeg, (s) => lengthen(s, SOF0)),
  },
  {
    name: 'an SOS one byte longer than its components',
    probe: false,
    make: (jpeg) => editJpeg(jpeg, (s) => lengthen(s, 0xda)),
  },
  {
    name: 'a DRI without its interval',
    probe: false,
    make: (jpeg) => editJpeg(jpeg, (s) => insertBefore(s, SOF0, { marker: 0xdd, body: Buffer.alloc(0) })),
  },
  {
    name: 'a Huffman table using the all-ones code',
    probe: false,
    // one more code at the longest length: libjpeg's tables, standard or optimised, leave one free there, all ones
    make: (jpeg) =>
      editJpeg(jpeg, (s) => {
        const { length, freeIsAllOnes } = longestDcCode(s);
        if (!freeIsAllOnes) throw new Error('DC table 0 leaves more than the all-ones code free');
        extraDcSymbol(s, 0, length);
      }),
  },
  {
    name: 'scan data the file ends in, without a marker after it',
    probe: false,
    make: (jpeg) => {
      const { data } = jpegParts(jpeg);
      return editJpeg(jpeg, () => undefined, data.subarray(0, data.lastIndexOf(Buffer.from([0xff, 0xd9]))));
    },
  },
];

/**
 * Files the fast path must not read that no sound file here turns into by one change:
 * hand-written flat JPEGs, with sampling or scans no encoder here writes, each with a sound twin.
 */

/** Y, Cb and Cr sampled by these factors (horizontal, vertical), Cr by 1 and 1. */
const ycc = (y: [number, number], cb: [number, number] = [1, 1]): FlatJpegComponent[] => [
  { id: 1, h: y[0], v: y[1] },
  { id: 2, h: cb[0], v: cb[1] },
  { id: 3, h: 1, v: 1 },
];

export const REFUSED_FLAT_JPEGS: readonly { name: string; sound: Buffer; damaged: Buffer }[] = [
  {
    name: 'chroma sampled by a fraction of the luma (3x1 luma, 2x1 chroma)',
    sound: flatJpeg(37, 21, ycc([3, 1]), 60),
    damaged: flatJpeg(37, 21, ycc([3, 1], [2, 1]), 60),
  },
  {
    name: 'a second scan with an undefined Huffman table',
    sound: flatJpeg(37, 21, ycc([2, 2]), 60),
    damaged: withSecondScanTables(flatJpeg(37, 21, ycc([2, 2]), 60, [[0], [1, 2]]), 0x33),
  },
];

/** The file with the table selectors of its second scan's first component set to `tables` (DC << 4 | AC). */
function withSecondScanTables(jpeg: Buffer, tables: number): Buffer {
  const sos = Buffer.from([0xff, 0xda]);
  const second = jpeg.indexOf(sos, jpeg.indexOf(sos) + 2);
  const out = Buffer.from(jpeg);
  out[second + 6] = tables;
  return out;
}

export const REFUSED_PNGS: readonly RefusedFamily[] = [
  {
    name: 'a tEXt chunk between its IDAT chunks',
    probe: true,
    make: (png) => {
      const parts = splitIdat(pngParts(png), 2);
      const second = parts.findLastIndex((p) => p.type === 'IDAT');
      parts.splice(second, 0, { type: 'tEXt', body: Buffer.from('Comment\0between') });
      return pngBytes(parts);
    },
  },
  {
    name: 'an ancillary chunk whose type has a digit',
    probe: false,
    make: (png) => withChunkBeforeIdat(png, 'pr1v'),
  },
  {
    name: "an ancillary chunk whose type's reserved bit is set",
    probe: false,
    make: (png) => withChunkBeforeIdat(png, 'tExt'),
  },
];

function withChunkBeforeIdat(png: Buffer, type: string): Buffer {
  const parts = pngParts(png);
  parts.splice(
    parts.findIndex((p) => p.type === 'IDAT'),
    0,
    { type, body: Buffer.from('k\0v') },
  );
  return pngBytes(parts);
}
