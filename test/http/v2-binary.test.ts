/**
 * Triton's binary tensor data extension on the infer routes, with bodies built as the spec
 * describes them and as Triton's Python client (tritonclient.http) sends them: compact JSON
 * (`id`, `inputs`, `outputs`, `parameters`, in that order), each binary input with
 * `parameters.binary_data_size` and no `data`, the tensors' bytes after the JSON in input order,
 * `Inference-Header-Content-Length` only when some input is binary, no Content-Type at all, and
 * `binary_data_output: true` when no output is named.
 * https://github.com/triton-inference-server/server/blob/main/docs/protocol/extension_binary_data.md
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toyDigitModel } from '../support/models.js';
import { startServer, type RunningServer } from '../support/server.js';

let server: RunningServer;
const pixels = Array.from({ length: 784 }, (_, i) => (i % 29 === 0 ? 1 : 0));
const other = Array.from({ length: 784 }, (_, i) => (i % 28 > 12 && i % 28 < 16 ? 1 : 0));
let png: Buffer;

beforeAll(async () => {
  server = await startServer({}, { model: toyDigitModel() });
  png = await sharp(Buffer.from(pixels.map((v) => v * 255)), { raw: { width: 28, height: 28, channels: 1 } })
    .png()
    .toBuffer();
});
afterAll(() => server?.close());

interface TritonInput {
  name: string;
  shape: number[];
  datatype: 'FP32' | 'UINT8' | 'BYTES';
  values: number[] | Buffer[];
  /** tritonclient's set_data_from_numpy(binary_data=True), its default */
  binary?: boolean;
}
interface TritonOutput {
  name: string;
  /** InferRequestedOutput(binary_data=True), its default */
  binary?: boolean;
}

/** The tensor's bytes: little-endian, row-major, no padding; a BYTES element is a 4-byte little-endian length and its bytes. */
function tensorBytes({ datatype, values }: TritonInput): Buffer {
  if (datatype === 'BYTES') {
    return Buffer.concat(
      (values as Buffer[]).flatMap((v) => {
        const length = Buffer.alloc(4);
        length.writeUInt32LE(v.length);
        return [length, v];
      }),
    );
  }
  if (datatype === 'UINT8') return Buffer.from(values as number[]);
  const bytes = Buffer.alloc(values.length * 4);
  (values as number[]).forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  return bytes;
}

/** The body and headers tritonclient.http's InferenceServerClient.infer sends. */
function tritonRequest(inputs: TritonInput[], outputs: TritonOutput[] = [], id = '') {
  const request: Record<string, unknown> = {};
  const parameters: Record<string, unknown> = {};
  if (id !== '') request.id = id;
  request.inputs = inputs.map((input) => {
    const { name, shape, datatype } = input;
    if (input.binary === false) {
      const data = datatype === 'BYTES' ? (input.values as Buffer[]).map((v) => v.toString('utf8')) : input.values;
      return { name, shape, datatype, data };
    }
    return { name, shape, datatype, parameters: { binary_data_size: tensorBytes(input).length } };
  });
  if (outputs.length > 0) request.outputs = outputs.map((o) => ({ name: o.name, parameters: { binary_data: o.binary ?? true } }));
  else parameters.binary_data_output = true;
  if (Object.keys(parameters).length > 0) request.parameters = parameters;
  const json = Buffer.from(JSON.stringify(request));
  const raw = inputs.filter((input) => input.binary !== false).map(tensorBytes);
  if (raw.length === 0) return { body: json, headers: {} as Record<string, string> };
  return {
    body: Buffer.concat([json, ...raw]),
    headers: { 'Inference-Header-Content-Length': String(json.length) } as Record<string, string>,
  };
}

interface Answer {
  status: number;
  headers: Headers;
  json: { model_name: string; model_version: string; id?: string; outputs: Array<Record<string, unknown>>; error?: string };
  /** each output's values, from the JSON or the binary part */
  tensors: Map<string, number[]>;
}

/**
 * Sends as the client does (fetch sends a Buffer with no Content-Type, as geventhttpclient does)
 * and reads the answer as its InferResult does: the JSON header, then each binary output's bytes in order.
 */
async function post(body: Buffer, headers: Record<string, string>, path = '/v2/models/mnist/infer'): Promise<Answer> {
  const res = await fetch(server.url + path, { method: 'POST', headers, body });
  const bytes = Buffer.from(await res.arrayBuffer());
  const declared = res.headers.get('inference-header-content-length');
  const headerLength = declared === null ? bytes.length : Number(declared);
  const json = JSON.parse(bytes.subarray(0, headerLength).toString('utf8')) as Answer['json'];
  const tensors = new Map<string, number[]>();
  let offset = headerLength;
  for (const output of json.outputs ?? []) {
    const size = (output.parameters as { binary_data_size?: number } | undefined)?.binary_data_size;
    if (size === undefined) {
      tensors.set(output.name as string, output.data as number[]);
      continue;
    }
    const raw = bytes.subarray(offset, offset + size);
    offset += size;
    const values =
      output.datatype === 'FP32'
        ? Array.from({ length: size / 4 }, (_, i) => raw.readFloatLE(i * 4))
        : Array.from({ length: size / 8 }, (_, i) => Number(raw.readBigInt64LE(i * 8)));
    tensors.set(output.name as string, values);
  }
  if (declared !== null) expect(offset).toBe(bytes.length);
  return { status: res.status, headers: res.headers, json, tensors };
}

/** The same images through the plain JSON protocol, for comparison. */
async function jsonAnswer(images: number[][]) {
  const body = Buffer.from(
    JSON.stringify({ inputs: [{ name: 'pixels', shape: [images.length, 784], datatype: 'FP32', data: images.flat() }] }),
  );
  return post(body, { 'content-type': 'application/json' });
}

function expectSameAnswers(binary: Answer, json: Answer) {
  expect(binary.tensors.get('predictions')).toEqual(json.tensors.get('predictions'));
  const probabilities = binary.tensors.get('probabilities')!;
  expect(probabilities).toHaveLength(json.tensors.get('probabilities')!.length);
  // sent as float32: the same numbers to float32's precision
  probabilities.forEach((p, i) => expect(p).toBeCloseTo(json.tensors.get('probabilities')![i]!, 6));
}

describe("bodies as Triton's Python client builds them", () => {
  it('takes binary FP32 pixels and answers the outputs it asks for in binary, after the JSON header', async () => {
    const { body, headers } = tritonRequest(
      [{ name: 'pixels', shape: [2, 784], datatype: 'FP32', values: [...pixels, ...other] }],
      [{ name: 'probabilities' }, { name: 'predictions' }],
      'req-1',
    );
    expect(headers).toEqual({ 'Inference-Header-Content-Length': expect.stringMatching(/^\d+$/) });
    const answer = await post(body, headers);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/octet-stream');
    expect(answer.json).toEqual({
      model_name: 'mnist',
      model_version: server.app.models.default.ref.version,
      id: 'req-1',
      outputs: [
        { name: 'probabilities', shape: [2, 10], datatype: 'FP32', parameters: { binary_data_size: 2 * 10 * 4 } },
        { name: 'predictions', shape: [2], datatype: 'INT64', parameters: { binary_data_size: 2 * 8 } },
      ],
    });
    expectSameAnswers(answer, await jsonAnswer([pixels, other]));
  });

  it('takes binary UINT8 [n, 28, 28] and answers every output in binary when none is named (binary_data_output)', async () => {
    const { body, headers } = tritonRequest([
      { name: 'pixels', shape: [2, 28, 28], datatype: 'UINT8', values: [...pixels, ...other].map((v) => v * 255) },
    ]);
    expect(JSON.parse(body.subarray(0, Number(headers['Inference-Header-Content-Length'])).toString()).parameters).toEqual({
      binary_data_output: true,
    });
    const answer = await post(body, headers);
    expect(answer.status).toBe(200);
    expect(answer.json.outputs.map((o) => o.parameters)).toEqual([{ binary_data_size: 80 }, { binary_data_size: 16 }]);
    expectSameAnswers(answer, await jsonAnswer([pixels, other]));
  });

  it('takes image files as a binary BYTES tensor, the files themselves or base64 text', async () => {
    const { body, headers } = tritonRequest(
      [{ name: 'images', shape: [2], datatype: 'BYTES', values: [png, Buffer.from(png.toString('base64'))] }],
      [{ name: 'predictions', binary: false }, { name: 'probabilities' }],
    );
    const answer = await post(body, headers);
    expect(answer.status).toBe(200);
    expect(answer.json.outputs[0]).toEqual({ name: 'predictions', shape: [2], datatype: 'INT64', data: expect.any(Array) });
    const reference = await post(
      Buffer.from(JSON.stringify({ inputs: [{ name: 'images', shape: [1], datatype: 'BYTES', data: [png.toString('base64')] }] })),
      { 'content-type': 'application/json' },
    );
    const [p0, p1] = [answer.tensors.get('probabilities')!.slice(0, 10), answer.tensors.get('probabilities')!.slice(10)];
    p0.forEach((p, i) => expect(p).toBeCloseTo(reference.tensors.get('probabilities')![i]!, 6));
    expect(p1).toEqual(p0);
  });

  it('mixes binary and JSON inputs, the binary part holding only the binary ones', async () => {
    const { body, headers } = tritonRequest(
      [
        { name: 'images', shape: [1], datatype: 'BYTES', values: [Buffer.from(png.toString('base64'))], binary: false },
        { name: 'pixels', shape: [1, 784], datatype: 'FP32', values: other },
      ],
      [{ name: 'predictions' }],
    );
    const answer = await post(body, headers);
    expect(answer.status).toBe(200);
    expect(answer.tensors.get('predictions')).toHaveLength(2);
  });

  it('answers a request with no binary input and JSON outputs as plain JSON, with no Content-Type sent', async () => {
    const { body, headers } = tritonRequest(
      [{ name: 'pixels', shape: [1, 784], datatype: 'FP32', values: pixels, binary: false }],
      [{ name: 'probabilities', binary: false }],
    );
    expect(headers).toEqual({});
    const answer = await post(body, headers);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('inference-header-content-length')).toBeNull();
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.tensors.get('probabilities')).toEqual((await jsonAnswer([pixels])).tensors.get('probabilities'));
  });

  it('takes the versioned path as the client builds it (v2/models/{name}/versions/{version}/infer)', async () => {
    const { body, headers } = tritonRequest([{ name: 'pixels', shape: [1, 784], datatype: 'FP32', values: pixels }]);
    const answer = await post(body, headers, `/v2/models/mnist/versions/${server.app.models.default.ref.version}/infer`);
    expect(answer.status).toBe(200);
    expect(answer.json.model_version).toBe(server.app.models.default.ref.version);
  });
});

describe('content types', () => {
  it.each([['application/octet-stream'], ['application/json']])(
    'takes a JSON header and binary tensors sent as %s with Inference-Header-Content-Length',
    async (type) => {
      const { body, headers } = tritonRequest([{ name: 'pixels', shape: [1, 784], datatype: 'FP32', values: pixels }]);
      const answer = await post(body, { ...headers, 'content-type': type });
      expect(answer.status).toBe(200);
      expect(answer.tensors.get('predictions')).toEqual((await jsonAnswer([pixels])).tensors.get('predictions'));
    },
  );

  it("takes SageMaker's content type, the header's length in json-header-size, and answers the same way", async () => {
    const { body, headers } = tritonRequest([{ name: 'pixels', shape: [1, 784], datatype: 'FP32', values: pixels }]);
    const size = headers['Inference-Header-Content-Length'];
    const res = await fetch(`${server.url}/v2/models/mnist/infer`, {
      method: 'POST',
      headers: { 'content-type': `application/vnd.sagemaker-triton.binary+json;json-header-size=${size}` },
      body,
    });
    expect(res.status).toBe(200);
    const headerLength = Number(res.headers.get('inference-header-content-length'));
    expect(res.headers.get('content-type')).toBe(`application/vnd.sagemaker-triton.binary+json;json-header-size=${headerLength}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(JSON.parse(bytes.subarray(0, headerLength).toString()).outputs).toHaveLength(2);
    expect(bytes.length).toBe(headerLength + 40 + 8);
  });
});

describe("the spec's published example", () => {
  // extension_binary_data.md, "Examples": the request as published, its JSON header verbatim
  const PUBLISHED_HEADER = `{
  "model_name" : "mymodel",
  "inputs" : [
    {
      "name" : "input0",
      "shape" : [ 2, 2 ],
      "datatype" : "UINT32",
      "parameters" : {
        "binary_data_size" : 16
      }
    },
    {
      "name" : "input1",
      "shape" : [ 3 ],
      "datatype" : "BOOL",
      "parameters" : {
        "binary_data_size" : 3
      }
    }
  ],
  "outputs" : [
    {
      "name" : "output0",
      "parameters" : {
        "binary_data" : true
      }
    }
  ]
}`;
  const input0 = Buffer.alloc(16);
  [1, 2, 3, 4].forEach((v, i) => input0.writeUInt32LE(v, i * 4));
  const input1 = Buffer.from([1, 0, 1]);

  it('reads its framing and answers 400 naming the unknown input (a model of other inputs), not a schema message', async () => {
    const header = Buffer.from(PUBLISHED_HEADER);
    const answer = await post(Buffer.concat([header, input0, input1]), {
      'Content-Type': 'application/octet-stream',
      'Inference-Header-Content-Length': String(header.length),
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      error: expect.stringMatching(/^invalid_input: unknown input 'input0'; this model takes 'pixels' .* and 'images'/),
    });
  });

  it('answers the same example with a byte missing from its binary part with 400 saying so', async () => {
    const header = Buffer.from(PUBLISHED_HEADER);
    const answer = await post(Buffer.concat([header, input0, input1.subarray(1)]), {
      'Content-Type': 'application/octet-stream',
      'Inference-Header-Content-Length': String(header.length),
    });
    expect([answer.status, answer.json.error]).toEqual([
      400,
      "invalid_input: the binary part holds 18 bytes; the inputs' binary_data_size add up to 19",
    ]);
  });
});

describe('malformed binary requests', () => {
  const good = () => tritonRequest([{ name: 'pixels', shape: [1, 784], datatype: 'FP32', values: pixels }]);
  const headerOf = (body: Buffer, length: number) => JSON.parse(body.subarray(0, length).toString()) as Record<string, unknown>;

  it.each<[string, () => { body: Buffer; headers: Record<string, string> }, RegExp]>([
    [
      'a header length longer than the body',
      () => ({ body: good().body, headers: { 'Inference-Header-Content-Length': '999999' } }),
      /the JSON header is said to be 999999 bytes; the body holds \d+/,
    ],
    [
      'a header length that is not a number',
      () => ({ body: good().body, headers: { 'Inference-Header-Content-Length': 'ten' } }),
      /not a number of bytes \(got "ten"\)/,
    ],
    [
      'a header length of 0 (a raw binary request)',
      () => ({ body: good().body, headers: { 'Inference-Header-Content-Length': '0' } }),
      /one input/,
    ],
    [
      'binary_data_size without a binary part',
      () => {
        const { body, headers } = good();
        const json = headerOf(body, Number(headers['Inference-Header-Content-Length']));
        return { body: Buffer.from(JSON.stringify(json)), headers: { 'content-type': 'application/json' } };
      },
      /binary_data_size, but the request has no binary part/,
    ],
    [
      'FP32 binary pixels of a 0..255 image',
      () => tritonRequest([{ name: 'pixels', shape: [1, 784], datatype: 'FP32', values: pixels.map((v) => v * 255) }]),
      /FP32 pixels are in 0\.\.1, element 0 is 255; send 0\.\.255 images as UINT8, or divide them by 255/,
    ],
    [
      'a binary size that does not fit the shape',
      () => tritonRequest([{ name: 'pixels', shape: [2, 784], datatype: 'FP32', values: pixels }]),
      /input 'pixels' is 3136 bytes; FP32 \[2, 784\] is 6272/,
    ],
    [
      'BYTES elements whose lengths overrun the data',
      () => {
        const { body, headers } = tritonRequest([{ name: 'images', shape: [1], datatype: 'BYTES', values: [png] }]);
        const length = Number(headers['Inference-Header-Content-Length']);
        body.writeUInt32LE(png.length + 1, length);
        return { body, headers };
      },
      /do not hold 1 BYTES elements, each a 4-byte little-endian length and that many bytes/,
    ],
    [
      "an output asked for Triton's classification",
      () => {
        const { body, headers } = good();
        const length = Number(headers['Inference-Header-Content-Length']);
        const json = { ...headerOf(body, length), outputs: [{ name: 'probabilities', parameters: { classification: 3 } }] };
        const header = Buffer.from(JSON.stringify(json));
        return {
          body: Buffer.concat([header, body.subarray(length)]),
          headers: { 'Inference-Header-Content-Length': String(header.length) },
        };
      },
      /classification parameter is not supported/,
    ],
  ])('answers %s with 400 {"error": ...}', async (_what, build, message) => {
    const { body, headers } = build();
    const answer = await post(body, headers);
    expect(answer.status).toBe(400);
    expect(Object.keys(answer.json)).toEqual(['error']);
    expect(answer.json.error).toMatch(message);
  });

  it('refuses a JSON header shaped like no request before parsing it, as plain JSON is', async () => {
    const header = Buffer.from(`{"inputs": [${'['.repeat(40)}${']'.repeat(40)}]}`);
    const answer = await post(header, { 'Inference-Header-Content-Length': String(header.length) });
    expect([answer.status, answer.json.error]).toEqual([
      400,
      expect.stringMatching(/^invalid_input: the JSON nests deeper than 32 levels/),
    ]);
  });
});

describe('limits', () => {
  it('answers a binary body over MAX_BODY_BYTES, and a JSON header over MAX_JSON_BYTES, with 413 {"error": ...} naming the setting', async () => {
    const small = await startServer({ MAX_BODY_BYTES: '3000', MAX_JSON_BYTES: '1000' }, { model: toyDigitModel() });
    try {
      const { body, headers } = tritonRequest([{ name: 'pixels', shape: [1, 784], datatype: 'FP32', values: pixels }]);
      const over = await fetch(`${small.url}/v2/models/mnist/infer`, { method: 'POST', headers, body });
      expect([over.status, await over.json()]).toEqual([
        413,
        { error: "body_too_large: the body is larger than 3,000 bytes (the server's MAX_BODY_BYTES)" },
      ]);
      const uint8 = tritonRequest([{ name: 'pixels', shape: [1, 784], datatype: 'UINT8', values: pixels.map((v) => v * 255) }]);
      const fits = await fetch(`${small.url}/v2/models/mnist/infer`, { method: 'POST', headers: uint8.headers, body: uint8.body });
      expect(fits.status).toBe(200);
      const longHeader = Buffer.from(JSON.stringify({ id: 'x'.repeat(1200), inputs: [] }));
      const tooLong = await fetch(`${small.url}/v2/models/mnist/infer`, {
        method: 'POST',
        headers: { 'Inference-Header-Content-Length': String(longHeader.length) },
        body: longHeader,
      });
      expect([tooLong.status, await tooLong.json()]).toEqual([
        413,
        { error: "body_too_large: the JSON is larger than 1,000 bytes (the server's MAX_JSON_BYTES)" },
      ]);
    } finally {
      await small.close();
    }
  });
});
