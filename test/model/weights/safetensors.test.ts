import { describe, expect, it } from 'vitest';
import { InvalidWeightsError } from '../../../src/model/weights/errors.js';
import { encodeSafetensors, parseSafetensors } from '../../../src/model/weights/safetensors.js';
import type { Tensor } from '../../../src/model/weights/tensors.js';
import { concatData, f32Entries, f32le, rawSafetensors, toyTensors } from '../../fixtures/weights/toy.js';

const METADATA = { name: 'toy', training: '{"epochs":3}', source: 'unit test' };

function expectInvalid(bytes: Uint8Array, message: RegExp): void {
  expect(() => parseSafetensors(bytes)).toThrow(InvalidWeightsError);
  expect(() => parseSafetensors(bytes)).toThrow(message);
}

describe('encodeSafetensors', () => {
  it('writes the spec layout byte for byte: u64 LE header length, JSON padded with spaces to 8, LE float32 data', () => {
    const bytes = encodeSafetensors(new Map([['a', { shape: [2], data: Float32Array.of(1, -2.5) }]]), {});
    const json = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const padded = json.padEnd(Math.ceil(json.length / 8) * 8, ' ');
    const header = Buffer.alloc(8);
    header.writeBigUInt64LE(BigInt(padded.length));
    expect(Buffer.from(bytes)).toEqual(Buffer.concat([header, Buffer.from(padded), f32le([1, -2.5])]));
  });

  it('is byte-deterministic whatever the order of tensors and metadata keys', () => {
    const tensors = toyTensors();
    const reversedTensors = new Map([...tensors].reverse());
    const reversedMetadata = Object.fromEntries(Object.entries(METADATA).reverse());
    expect(encodeSafetensors(reversedTensors, reversedMetadata)).toEqual(encodeSafetensors(tensors, METADATA));
  });

  it('lays the tensors out sorted by name, after __metadata__', () => {
    const bytes = encodeSafetensors(toyTensors(), METADATA);
    const headerLength = Number(Buffer.from(bytes).readBigUInt64LE(0));
    expect(headerLength % 8).toBe(0);
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8')) as Record<string, { data_offsets: number[] }>;
    expect(Object.keys(header)).toEqual(['__metadata__', 'W1', 'W2', 'b1', 'b2']);
    expect(header.W1!.data_offsets).toEqual([0, 48]);
    expect(header.W2!.data_offsets).toEqual([48, 80]);
  });

  it('refuses a tensor whose data does not match its shape', () => {
    const bad = new Map<string, Tensor>([['W1', { shape: [2, 2], data: new Float32Array(3) }]]);
    expect(() => encodeSafetensors(bad, {})).toThrow(/W1 holds 3 values but its shape \[2,2\] needs 4/);
  });
});

describe('parseSafetensors', () => {
  it('round-trips tensors exactly and keeps the metadata', () => {
    const tensors = toyTensors();
    tensors.set('odd', { shape: [3], data: Float32Array.of(-0, 1e-45, 3.4028234663852886e38) });
    const parsed = parseSafetensors(encodeSafetensors(tensors, METADATA));
    expect(parsed.metadata).toEqual(METADATA);
    expect([...parsed.tensors.keys()].sort()).toEqual([...tensors.keys()].sort());
    for (const [name, { shape, data }] of tensors) {
      expect(parsed.tensors.get(name)!.shape).toEqual(shape);
      expect(Buffer.from(parsed.tensors.get(name)!.data.buffer)).toEqual(Buffer.from(data.buffer));
    }
  });

  it('reads tensors whose data is not 4-byte aligned in the file (unpadded header)', () => {
    const tensors = toyTensors();
    const file = rawSafetensors(f32Entries(tensors), concatData(tensors));
    expect((file.length - concatData(tensors).length) % 4).not.toBe(0);
    expect(parseSafetensors(file).tensors.get('W2')!.data).toEqual(tensors.get('W2')!.data);
  });

  it('accepts a file without __metadata__', () => {
    expect(parseSafetensors(rawSafetensors({})).metadata).toEqual({});
  });

  it('reports a file cut at any point as an InvalidWeightsError, never anything else', () => {
    const bytes = encodeSafetensors(toyTensors(), METADATA);
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(() => parseSafetensors(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(InvalidWeightsError);
    }
  });

  it.each([
    ['inside the length', 5, /truncated: 5 bytes, too short for the 8-byte header length/],
    ['inside the header', 20, /truncated: the header length says \d+ bytes but only 12 follow/],
    ['inside the data', -3, /truncated: the tensors need 104 bytes of data, the file holds 101/],
  ])('names truncation %s', (_, cut, message) => {
    const bytes = encodeSafetensors(toyTensors(), {});
    expectInvalid(bytes.subarray(0, cut < 0 ? bytes.length + cut : cut), message);
  });

  it('refuses a header length larger than the file', () => {
    const file = rawSafetensors({});
    file.writeBigUInt64LE(1000n);
    expectInvalid(file, /header length says 1000 bytes but only 2 follow/);
  });

  it('refuses an absurd header length before reading anything', () => {
    const file = rawSafetensors({});
    file.writeBigUInt64LE(2n ** 63n);
    expectInvalid(file, /header length 9,223,372,036,854,775,808 bytes exceeds the 1,048,576-byte limit/);
  });

  it('reads a header of exactly 1 MiB and refuses one byte more', () => {
    const empty = JSON.stringify({ __metadata__: { pad: '' } });
    const header = (bytes: number) => rawSafetensors(empty.replace('""', `"${'x'.repeat(bytes - empty.length)}"`));
    expect(parseSafetensors(header(1 << 20)).metadata.pad).toHaveLength((1 << 20) - empty.length);
    expectInvalid(header((1 << 20) + 1), /header length 1,048,577 bytes exceeds the 1,048,576-byte limit/);
  });

  it('refuses more tensors than a model has, listing a few', () => {
    const tensors = new Map(Array.from({ length: 129 }, (_, i): [string, Tensor] => [`t${i}`, { shape: [1], data: Float32Array.of(i) }]));
    expect(parseSafetensors(encodeSafetensors(new Map([...tensors].slice(0, 128)), {})).tensors.size).toBe(128);
    expectInvalid(encodeSafetensors(tensors, {}), /^129 tensors \(t0, t1, t10, t100, \.\.\. \(125 more\)\); a model has at most 128/);
  });

  it('refuses a shape of more than 8 dimensions', () => {
    const file = rawSafetensors({ W1: { dtype: 'F32', shape: Array<number>(9).fill(1), data_offsets: [0, 4] } }, new Uint8Array(4));
    expectInvalid(file, /^tensor W1: invalid header entry \(shape: Too big: expected array to have <=8 items\)$/);
  });

  it('quotes only the start of a long tensor name or dtype', () => {
    const name = 'n'.repeat(200);
    expectInvalid(rawSafetensors({ [name]: { dtype: 'F16'.repeat(100), shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /^tensor n{40}\.\.\. \(200 chars\) has dtype (F16){13}F\.\.\. \(300 chars\); only F32 is supported$/);
  });

  it.each([
    ['invalid JSON', '{"W1": {"dtype": "F32",', /not valid UTF-8 JSON/],
    ['a JSON array', '[1,2]', /not a JSON object/],
    ['a non-string metadata value', '{"__metadata__": {"epochs": 3}}', /__metadata__ must map strings to strings \(epochs is not a string\)/],
    ['metadata that is not an object', '{"__metadata__": ["a"]}', /__metadata__ is not a JSON object/],
    ['a malformed entry', '{"W1": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 0]}}', /tensor W1: invalid header entry \(shape\.0: /],
  ])('refuses %s in the header', (_, header, message) => {
    expectInvalid(rawSafetensors(header), message);
  });

  it('refuses a header that is not UTF-8', () => {
    const file = rawSafetensors('{"\u00e9":1}');
    file[10] = 0xff;
    expectInvalid(file, /not valid UTF-8 JSON/);
  });

  it.each(['F16', 'I32', 'F64', 'BF16'])('refuses dtype %s with a message naming it', (dtype) => {
    const file = rawSafetensors({ W1: { dtype, shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8));
    expectInvalid(file, new RegExp(`tensor W1 has dtype ${dtype}; only F32 is supported`));
  });

  it('refuses offsets whose length does not match the shape', () => {
    const file = rawSafetensors({ W1: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8));
    expectInvalid(file, /tensor W1: data_offsets \[0,8\) hold 8 bytes, shape \[3\] needs 12/);
  });

  it('refuses overlapping tensors', () => {
    const header = {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    };
    expectInvalid(rawSafetensors(header, new Uint8Array(12)), /tensor b: data_offsets \[4,12\) overlaps the previous tensor/);
  });

  it('refuses a gap between tensors', () => {
    const header = {
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
    };
    expectInvalid(rawSafetensors(header, new Uint8Array(12)), /tensor b: .* leaves a gap/);
  });

  it('refuses bytes after the last tensor', () => {
    const tensors = toyTensors();
    const file = rawSafetensors(f32Entries(tensors), Buffer.concat([concatData(tensors), Buffer.alloc(4)]));
    expectInvalid(file, /4 unexpected bytes after the last tensor/);
  });
});
