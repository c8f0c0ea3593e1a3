/**
 * The safetensors format (https://github.com/huggingface/safetensors#format):
 *   8 bytes  N, unsigned 64-bit little-endian: the header length
 *   N bytes  UTF-8 JSON header: {"__metadata__": {string: string},
 *            name: {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...}
 *   rest     the byte buffer; offsets are relative to its start, values little-endian
 * Parsing applies the reference implementation's checks (safetensors/src/tensor.rs,
 * `Metadata::validate`): the tensors cover the byte buffer exactly, without gap or overlap,
 * each with product(shape) * dtype size bytes. Only F32 is accepted: it is what our model runs.
 * The header may declare no more than a model needs (tensors.ts: tensors, dimensions, name
 * lengths), so every check below is linear in the header's size.
 */
import { z } from 'zod';
import { InvalidWeightsError } from './errors.js';
import { clip, describeIssues, thousands } from '../../one-line.js';
import { checkTensorNames, elementCount, formatShape, MAX_DIMENSIONS, type Tensor, type Tensors } from './tensors.js';

/**
 * Our header lists a few tensors and some provenance strings. The reference implementation
 * allows 100 MB (MAX_HEADER_SIZE), which would take JSON.parse long enough to stall start-up;
 * a mebibyte leaves generous room for provenance.
 */
const MAX_HEADER_BYTES = 1 << 20;
const LENGTH_PREFIX_BYTES = 8;
const F32_BYTES = 4;
const METADATA_KEY = '__metadata__';

const TensorEntry = z.object({
  dtype: z.string(),
  shape: z.array(z.int().nonnegative()).max(MAX_DIMENSIONS),
  data_offsets: z.tuple([z.int().nonnegative(), z.int().nonnegative()]),
});
export type Metadata = Record<string, string>;

export interface SafetensorsFile {
  readonly tensors: Tensors;
  readonly metadata: Metadata;
}

export function parseSafetensors(buf: Uint8Array): SafetensorsFile {
  if (buf.length < LENGTH_PREFIX_BYTES) {
    throw new InvalidWeightsError(`truncated: ${buf.length} bytes, too short for the 8-byte header length`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerBytes = view.getBigUint64(0, true);
  if (headerBytes > BigInt(MAX_HEADER_BYTES)) {
    throw new InvalidWeightsError(
      `header length ${thousands(headerBytes)} bytes exceeds the ${thousands(MAX_HEADER_BYTES)}-byte limit (not a safetensors file?)`,
    );
  }
  const dataStart = LENGTH_PREFIX_BYTES + Number(headerBytes);
  if (dataStart > buf.length) {
    throw new InvalidWeightsError(
      `truncated: the header length says ${headerBytes} bytes but only ${buf.length - LENGTH_PREFIX_BYTES} follow`,
    );
  }
  const header = parseHeader(buf.subarray(LENGTH_PREFIX_BYTES, dataStart));
  const dataBytes = buf.length - dataStart;
  checkCoverage(header.entries, dataBytes);
  const tensors = new Map<string, Tensor>();
  for (const [name, { shape, data_offsets: [begin] }] of header.entries) {
    tensors.set(name, { shape, data: readF32(view, dataStart + begin, elementCount(shape)) });
  }
  return { tensors, metadata: header.metadata };
}

type Entry = [name: string, info: z.infer<typeof TensorEntry>];

function parseHeader(bytes: Uint8Array): { entries: Entry[]; metadata: Metadata } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new InvalidWeightsError(`the header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidWeightsError('the header is not a JSON object');
  }
  const { [METADATA_KEY]: rawMetadata = {}, ...rawEntries } = json as Record<string, unknown>;
  const metadata = parseMetadata(rawMetadata);
  checkTensorNames(Object.keys(rawEntries));
  const entries = Object.entries(rawEntries).map(([name, raw]): Entry => {
    const entry = TensorEntry.safeParse(raw);
    if (!entry.success) throw new InvalidWeightsError(`tensor ${clip(name)}: invalid header entry (${describeIssues(entry.error)})`);
    const { dtype, shape, data_offsets: [begin, end] } = entry.data;
    if (dtype !== 'F32') throw new InvalidWeightsError(`tensor ${clip(name)} has dtype ${clip(dtype)}; only F32 is supported`);
    const expected = elementCount(shape) * F32_BYTES;
    if (end < begin || end - begin !== expected) {
      throw new InvalidWeightsError(
        `tensor ${clip(name)}: data_offsets [${begin},${end}) hold ${end - begin} bytes, shape ${formatShape(shape)} needs ${expected}`,
      );
    }
    return [name, entry.data];
  });
  return { entries, metadata };
}

/** Checked by hand: zod builds an issue per bad value, which a hostile header makes by the hundred thousand. */
function parseMetadata(raw: unknown): Metadata {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidWeightsError(`${METADATA_KEY} is not a JSON object`);
  const bad = Object.entries(raw).find(([, value]) => typeof value !== 'string');
  if (bad !== undefined) throw new InvalidWeightsError(`${METADATA_KEY} must map strings to strings (${clip(bad[0])} is not a string)`);
  return raw as Metadata;
}

/** The tensors, in offset order, must tile the byte buffer exactly: a gap or an overlap is a corrupt file. */
function checkCoverage(entries: readonly Entry[], dataBytes: number): void {
  const byOffset = [...entries].sort(([, a], [, b]) => a.data_offsets[0] - b.data_offsets[0] || a.data_offsets[1] - b.data_offsets[1]);
  let expectedBegin = 0;
  for (const [name, { data_offsets: [begin, end] }] of byOffset) {
    if (begin !== expectedBegin) {
      const what = begin < expectedBegin ? 'overlaps the previous tensor' : 'leaves a gap after the previous tensor';
      throw new InvalidWeightsError(`tensor ${clip(name)}: data_offsets [${begin},${end}) ${what} (expected to start at ${expectedBegin})`);
    }
    expectedBegin = end;
  }
  if (expectedBegin > dataBytes) {
    throw new InvalidWeightsError(`truncated: the tensors need ${expectedBegin} bytes of data, the file holds ${dataBytes}`);
  }
  if (expectedBegin < dataBytes) {
    throw new InvalidWeightsError(`${dataBytes - expectedBegin} unexpected bytes after the last tensor`);
  }
}

/** Copy into a fresh (aligned) Float32Array: the source offset need not be a multiple of 4. */
function readF32(view: DataView, byteOffset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(byteOffset + i * F32_BYTES, true);
  return out;
}

/**
 * Encode tensors as safetensors, byte-deterministically: `__metadata__` first with its keys
 * sorted, then the tensors sorted by name (the reference implementation's order for tensors
 * of one dtype), their data laid out in that same order; the header is padded with spaces to
 * a multiple of 8 bytes, as the reference implementation does, so the data stays aligned.
 */
export function encodeSafetensors(tensors: Tensors, metadata: Readonly<Metadata>): Buffer {
  const names = [...tensors.keys()].sort(compareCodeUnits);
  const fields: string[] = [];
  const metadataKeys = Object.keys(metadata).sort(compareCodeUnits);
  if (metadataKeys.length > 0) {
    fields.push(jsonField(METADATA_KEY, `{${metadataKeys.map((k) => jsonField(k, JSON.stringify(metadata[k]))).join(',')}}`));
  }
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors.get(name)!;
    if (name === METADATA_KEY) throw new InvalidWeightsError(`a tensor cannot be named ${METADATA_KEY}`);
    if (data.length !== elementCount(shape)) {
      throw new InvalidWeightsError(`tensor ${name} holds ${data.length} values but its shape ${formatShape(shape)} needs ${elementCount(shape)}`);
    }
    const end = offset + data.length * F32_BYTES;
    fields.push(jsonField(name, JSON.stringify({ dtype: 'F32', shape, data_offsets: [offset, end] })));
    offset = end;
  }
  const json = Buffer.from(`{${fields.join(',')}}`, 'utf8');
  const headerBytes = Math.ceil(json.length / 8) * 8;
  const out = Buffer.alloc(LENGTH_PREFIX_BYTES + headerBytes + offset, ' ');
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setBigUint64(0, BigInt(headerBytes), true);
  json.copy(out, LENGTH_PREFIX_BYTES);
  let pos = LENGTH_PREFIX_BYTES + headerBytes;
  for (const name of names) {
    for (const v of tensors.get(name)!.data) {
      view.setFloat32(pos, v, true);
      pos += F32_BYTES;
    }
  }
  return out;
}

function jsonField(key: string, jsonValue: string): string {
  return `${JSON.stringify(key)}:${jsonValue}`;
}

/** Plain code-unit order, independent of the locale (unlike localeCompare). */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
