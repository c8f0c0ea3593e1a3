/**
 * The Open Inference Protocol routes, with the request and response shapes of the protocol's
 * published examples (specification/protocol/inference_rest.md: "Inference Request Examples").
 */
import sharp from 'sharp';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toyDigitModel } from '../support/models.js';
import { startServer, type RunningServer } from '../support/server.js';

let server: RunningServer;
const api = () => request(server.url);
const pixels = Array.from({ length: 784 }, (_, i) => (i % 29 === 0 ? 1 : 0));

beforeAll(async () => {
  server = await startServer({}, { model: toyDigitModel() });
});
afterAll(() => server?.close());

describe('health and metadata', () => {
  it('answers server metadata, liveness and readiness', async () => {
    const meta = await api().get('/v2').expect(200);
    expect(meta.body).toMatchObject({ name: 'digit-serve', extensions: [] });
    expect(typeof meta.body.version).toBe('string');
    await api().get('/v2/health/live').expect(200, { live: true });
    await api().get('/v2/health/ready').expect(200, { ready: true });
    await api().get('/v2/models/mnist/ready').expect(200, { name: 'mnist', ready: true });
  });

  it('describes the model tensors', async () => {
    const res = await api().get('/v2/models/mnist').expect(200);
    expect(res.body.name).toBe('mnist');
    expect(res.body.inputs).toContainEqual({ name: 'pixels', datatype: 'FP32', shape: [-1, 784] });
    expect(res.body.inputs).toContainEqual({ name: 'images', datatype: 'BYTES', shape: [-1] });
    expect(res.body.outputs).toContainEqual({ name: 'probabilities', datatype: 'FP32', shape: [-1, 10] });
  });

  it('answers an unknown model with 404 and the protocol error shape', async () => {
    const res = await api().get('/v2/models/resnet').expect(404);
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(res.body.error).toContain("unknown model 'resnet'");
    await api().post('/v2/models/resnet/infer').send({ inputs: [] }).expect(404);
  });
});

describe('inference', () => {
  it('answers an FP32 [n, 784] tensor with probabilities [n, 10], echoing the request id', async () => {
    const res = await api()
      .post('/v2/models/mnist/infer')
      .send({
        id: '42',
        inputs: [{ name: 'pixels', shape: [2, 784], datatype: 'FP32', data: [...pixels, ...pixels] }],
        outputs: [{ name: 'probabilities' }],
      })
      .expect(200);
    expect(res.body.model_name).toBe('mnist');
    expect(res.body.id).toBe('42');
    expect(res.body.outputs).toHaveLength(1);
    const [out] = res.body.outputs;
    expect(out).toMatchObject({ name: 'probabilities', shape: [2, 10], datatype: 'FP32' });
    const single = await api().post('/predict').send({ pixels }).expect(200);
    expect(out.data.slice(0, 10)).toEqual(single.body.probabilities);
    expect(out.data.slice(10)).toEqual(single.body.probabilities);
  });

  it('takes the nested-array form of tensor data and [n, 28, 28] shapes', async () => {
    const rows = Array.from({ length: 28 }, (_, r) => pixels.slice(r * 28, r * 28 + 28));
    const flat = await api()
      .post('/v2/models/mnist/infer')
      .send({ inputs: [{ name: 'x', shape: [1, 784], datatype: 'FP32', data: pixels }] });
    const nested = await api()
      .post('/v2/models/mnist/infer')
      .send({ inputs: [{ name: 'x', shape: [1, 28, 28], datatype: 'FP32', data: [rows] }] })
      .expect(200);
    expect(nested.body.outputs).toEqual(flat.body.outputs);
    expect(nested.body.outputs.map((o: { name: string }) => o.name)).toEqual(['probabilities', 'predictions']);
  });

  it('takes a BYTES tensor of base64-encoded image files', async () => {
    const png = await sharp(Buffer.from(pixels.map((v) => v * 255)), { raw: { width: 28, height: 28, channels: 1 } })
      .png()
      .toBuffer();
    const res = await api()
      .post('/v2/models/mnist/infer')
      .send({ inputs: [{ name: 'images', shape: [1], datatype: 'BYTES', data: [png.toString('base64')] }] })
      .expect(200);
    const single = await api().post('/predict').send({ pixels }).expect(200);
    expect(res.body.outputs[0].data).toEqual(single.body.probabilities);
    expect(res.body.outputs[1]).toEqual({ name: 'predictions', shape: [1], datatype: 'INT64', data: [single.body.prediction] });
  });

  it.each<[string, object, RegExp]>([
    [
      "the protocol's own example (UINT32 and BOOL inputs)",
      {
        id: '42',
        inputs: [
          { name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] },
          { name: 'input1', shape: [3], datatype: 'BOOL', data: [true] },
        ],
        outputs: [{ name: 'output0' }],
      },
      /datatype UINT32/,
    ],
    ['a shape that is not [n, 784]', { inputs: [{ name: 'x', shape: [1, 783], datatype: 'FP32', data: pixels.slice(1) }] }, /shape/],
    ['fewer values than the shape needs', { inputs: [{ name: 'x', shape: [2, 784], datatype: 'FP32', data: pixels }] }, /holds 784 values/],
    [
      'an unknown output',
      { inputs: [{ name: 'x', shape: [1, 784], datatype: 'FP32', data: pixels }], outputs: [{ name: 'logits' }] },
      /unknown output/,
    ],
    ['a BYTES element that is not base64', { inputs: [{ name: 'images', shape: [1], datatype: 'BYTES', data: ['%%%'] }] }, /base64/],
    [
      'a BYTES element that is not an image',
      { inputs: [{ name: 'images', shape: [1], datatype: 'BYTES', data: ['aGVsbG8='] }] },
      /invalid_image/,
    ],
    ['no inputs key', { outputs: [] }, /inputs/],
    ...['toString', 'constructor', 'hasOwnProperty', '__proto__'].map(
      (name) =>
        [
          `an output named '${name}' (inherited by every object, not an output)`,
          { inputs: [{ name: 'x', shape: [1, 784], datatype: 'FP32', data: pixels }], outputs: [{ name }] },
          /unknown output/,
        ] as [string, object, RegExp],
    ),
    [
      'data nested deeper than the shape',
      { inputs: [{ name: 'x', shape: [1, 784], datatype: 'FP32', data: [[pixels.map((v) => [v])]] }] },
      /nested deeper than its shape/,
    ],
    [
      'BYTES data nested deeper than the shape',
      { inputs: [{ name: 'images', shape: [1], datatype: 'BYTES', data: [['aGVsbG8=']] }] },
      /nested deeper than its shape/,
    ],
  ])('answers %s with 400 {"error": ...}', async (_what, body, message) => {
    const res = await api().post('/v2/models/mnist/infer').send(body).expect(400);
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(res.body.error).toMatch(message);
  });
});

describe('hostile nesting', () => {
  const nested = (depth: number, leaf: unknown) => `${'['.repeat(depth)}${JSON.stringify(leaf)}${']'.repeat(depth)}`;

  it.each([
    ['FP32', 'pixels', '[1, 784]', 0.5],
    ['BYTES', 'images', '[1]', 'aGVsbG8='],
  ])('answers %s data nested 50,000 deep with 400 {"error": ...}, not a stack overflow', async (datatype, name, shape, leaf) => {
    const body = `{"inputs":[{"name":"${name}","shape":${shape},"datatype":"${datatype}","data":${nested(50_000, leaf)}}]}`;
    const res = await api().post('/v2/models/mnist/infer').set('content-type', 'application/json').send(body).expect(400);
    expect(Object.keys(res.body)).toEqual(['error']);
    await api().get('/v2/health/live').expect(200);
  });
});

describe('with API keys', () => {
  it('protects inference and model metadata, not the server probes, and keeps the protocol error shape', async () => {
    const keyed = await startServer({ API_KEYS: 'v2-key-0123456789abcdef' }, { model: toyDigitModel() });
    try {
      const body = { inputs: [{ name: 'x', shape: [1, 784], datatype: 'FP32', data: pixels }] };
      const refused = await request(keyed.url).post('/v2/models/mnist/infer').send(body).expect(401);
      expect(refused.body.error).toMatch(/^unauthorized/);
      await request(keyed.url).get('/v2/models/mnist').expect(401);
      await request(keyed.url).post('/v2/models/mnist/infer').set('authorization', 'Bearer v2-key-0123456789abcdef').send(body).expect(200);
      await request(keyed.url).get('/v2/health/ready').expect(200);
    } finally {
      await keyed.close();
    }
  });
});
