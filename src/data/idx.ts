/**
 * Reader for the IDX files MNIST is distributed in (http://yann.lecun.com/exdb/mnist/, "FILE FORMATS"):
 * 2 zero bytes, a type byte (0x08 = unsigned byte), a dimension count, one big-endian u32 per
 * dimension, then the data. Files may be gzip-compressed; the magic bytes decide, not the name.
 */
import { readFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const UNSIGNED_BYTE = 0x08;
const GZIP_MAGIC = [0x1f, 0x8b] as const;

export class IdxError extends Error {
  override name = 'IdxError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** Parse an IDX buffer (already decompressed). `file` only names the source in errors. */
export function parseIdx(buf: Uint8Array, file = '<buffer>'): IdxArray {
  if (buf.length < 4) throw new IdxError(file, `too short for an IDX header (${buf.length} bytes)`);
  if (buf[0] !== 0 || buf[1] !== 0) throw new IdxError(file, 'bad magic number: not an IDX file');
  if (buf[2] !== UNSIGNED_BYTE) {
    throw new IdxError(file, `unsupported IDX data type 0x${buf[2]!.toString(16)} (only unsigned bytes, 0x08)`);
  }
  const ndims = buf[3]!;
  if (ndims < 1 || ndims > 4) throw new IdxError(file, `unexpected number of dimensions ${ndims}`);
  const headerBytes = 4 + 4 * ndims;
  if (buf.length < headerBytes) throw new IdxError(file, 'truncated header');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = buf.length - headerBytes;
  if (actual !== expected) {
    const what = actual < expected ? 'truncated' : 'has trailing bytes';
    throw new IdxError(file, `${what}: header declares ${dims.join('x')} = ${expected} bytes of data, file holds ${actual}`);
  }
  return { dims, data: buf.subarray(headerBytes) };
}

export async function readIdxFile(file: string): Promise<IdxArray> {
  let raw: Uint8Array;
  try {
    raw = await readFile(file);
  } catch (err) {
    throw new IdxError(file, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(err));
  }
  if (raw[0] === GZIP_MAGIC[0] && raw[1] === GZIP_MAGIC[1]) {
    try {
      raw = gunzipSync(raw);
    } catch (err) {
      throw new IdxError(file, `corrupt gzip data (${(err as Error).message})`);
    }
  }
  return parseIdx(raw, file);
}

export type MnistSplitName = 'train' | 't10k';

/** What a split's pair of IDX files holds, as stored (fromPixels in labelled-set.ts makes the model's inputs of it). */
export interface MnistSplit {
  /** (count, rows*cols) uint8 pixels, white ink on black */
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  readonly files: { readonly images: string; readonly labels: string };
}

/** Finds `<split>-images-idx3-ubyte[.gz]` and `<split>-labels-idx1-ubyte[.gz]` in `dir`, raw files first. */
export async function loadMnistSplit(dir: string, split: MnistSplitName): Promise<MnistSplit> {
  const imagesFile = await findIdx(dir, `${split}-images-idx3-ubyte`);
  const labelsFile = await findIdx(dir, `${split}-labels-idx1-ubyte`);
  const [images, labels] = await Promise.all([readIdxFile(imagesFile), readIdxFile(labelsFile)]);
  if (images.dims.length !== 3) throw new IdxError(imagesFile, `expected 3 dimensions (count, rows, cols), got ${images.dims.length}`);
  if (labels.dims.length !== 1) throw new IdxError(labelsFile, `expected 1 dimension (count), got ${labels.dims.length}`);
  const [count, rows, cols] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new IdxError(labelsFile, `holds ${labels.dims[0]} labels but ${imagesFile} holds ${count} images`);
  }
  const bad = labels.data.findIndex((l) => l > 9);
  if (bad >= 0) throw new IdxError(labelsFile, `label #${bad} is ${labels.data[bad]}, expected a digit 0-9`);
  return { images: images.data, labels: labels.data, count, rows, cols, files: { images: imagesFile, labels: labelsFile } };
}

async function findIdx(dir: string, base: string): Promise<string> {
  for (const name of [base, `${base}.gz`]) {
    const file = join(dir, name);
    try {
      await access(file);
      return file;
    } catch {
      // try the next spelling
    }
  }
  throw new IdxError(join(dir, base), `neither ${base} nor ${base}.gz found in ${dir}`);
}
