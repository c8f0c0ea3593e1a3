/**
 * Triton's binary tensor data extension, both ways: a body is a JSON header followed by raw
 * tensor bytes, the header's length given by `Inference-Header-Content-Length` (or, SageMaker's
 * way, by the content type's `json-header-size`). Tensors are little-endian, row-major, without
 * padding; a BYTES element is a 4-byte little-endian length and that many bytes.
 * https://github.com/triton-inference-server/server/blob/main/docs/protocol/extension_binary_data.md
 */
import type { IncomingHttpHeaders } from 'node:http';
import { clip } from '../../one-line.js';
import { HttpProblem } from '../../http/problem.js';
import type { InferenceResponse, RequestInput } from './schemas.js';

export const HEADER_LENGTH = 'inference-header-content-length';
export const SAGEMAKER_BINARY = 'application/vnd.sagemaker-triton.binary+json';
export const OCTET_STREAM = 'application/octet-stream';

const JSON_HEADER_SIZE = /;\s*json-header-size\s*=\s*"?([^";\s]*)"?/i;
const DIGITS = /^\d+$/;
const BYTES_LENGTH = 4;

const bad = (detail: string) => new HttpProblem('invalid_input', detail);

/** The JSON header's length the request declares, or undefined when its whole body is JSON. */
export function declaredHeaderLength(headers: IncomingHttpHeaders): number | undefined {
  const header = headers[HEADER_LENGTH];
  const value = typeof header === 'string' ? header : JSON_HEADER_SIZE.exec(headers['content-type'] ?? '')?.[1];
  if (value === undefined) return undefined;
  if (!DIGITS.test(value.trim())) throw bad(`the JSON header's length is not a number of bytes (got "${clip(value)}")`);
  return Number(value.trim());
}

/** The body's JSON header and binary part, for a header of `headerLength` bytes. */
export function splitBody(body: Buffer, headerLength: number): { json: Buffer; binary: Buffer } {
  if (headerLength === 0) {
    // Triton's raw binary request: the whole body is the one input of a one-input model
    throw bad('a body without a JSON header is for models with one input; this one has two: send the JSON header first');
  }
  if (headerLength > body.length) throw bad(`the JSON header is said to be ${headerLength} bytes; the body holds ${body.length}`);
  return { json: body.subarray(0, headerLength), binary: body.subarray(headerLength) };
}

/** Each input's bytes of the binary part, in order; undefined for an input whose data is in the JSON. */
export function binaryInputs(inputs: readonly RequestInput[], binary: Buffer | undefined): (Buffer | undefined)[] {
  let offset = 0;
  const parts = inputs.map((input) => {
    const size = input.parameters?.binary_data_size;
    if (size === undefined) {
      if (input.data === undefined) throw bad(`input '${clip(input.name)}' has neither data nor parameters.binary_data_size`);
      return undefined;
    }
    if (input.data !== undefined) throw bad(`input '${clip(input.name)}' has both data and parameters.binary_data_size; send one`);
    if (binary === undefined) {
      throw bad(
        `input '${clip(input.name)}' has parameters.binary_data_size, but the request has no binary part (no Inference-Header-Content-Length)`,
      );
    }
    const part = binary.subarray(offset, offset + size);
    offset += size;
    return part;
  });
  if (binary !== undefined && offset !== binary.length) {
    throw bad(`the binary part holds ${binary.length} bytes; the inputs' binary_data_size add up to ${offset}`);
  }
  return parts;
}

/** The `count` elements of a BYTES tensor's binary data. */
export function bytesElements(raw: Buffer, count: number, name: string): Buffer[] {
  const elements: Buffer[] = [];
  let offset = 0;
  while (elements.length < count && offset + BYTES_LENGTH <= raw.length) {
    const length = raw.readUInt32LE(offset);
    if (offset + BYTES_LENGTH + length > raw.length) break;
    elements.push(raw.subarray(offset + BYTES_LENGTH, offset + BYTES_LENGTH + length));
    offset += BYTES_LENGTH + length;
  }
  if (elements.length !== count || offset !== raw.length) {
    throw bad(
      `input '${clip(name)}': its ${raw.length} bytes do not hold ${count} BYTES elements, each a 4-byte little-endian length and that many bytes`,
    );
  }
  return elements;
}

export function fp32Bytes(values: readonly number[]): Buffer {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  return bytes;
}

export function int64Bytes(values: readonly number[]): Buffer {
  const bytes = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => bytes.writeBigInt64LE(BigInt(v), i * 8));
  return bytes;
}

/** The response body: its JSON header, then the binary outputs' bytes in the order the header lists them. */
export function binaryResponse(response: InferenceResponse, parts: readonly Buffer[]): { body: Buffer; headerLength: number } {
  const header = Buffer.from(JSON.stringify(response));
  return { body: Buffer.concat([header, ...parts]), headerLength: header.length };
}
