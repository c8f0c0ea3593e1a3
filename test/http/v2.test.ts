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
/** the served model's version: the first 12 hex digits of its weights' sha256 */
const version = () => server.app.models.default.ref.version;

beforeAll(async () => {
  server = await startServer({}, { model: toyDigitModel() });
});
afterAll(() => server?.close());

describe('health and metadata', () => {
  it('answers server metadata, liveness and readiness', async () => {
    const meta = await api().get('/v2').expect(200);
    expect(meta.body).toMatchObject({ name: 'digit-serve', extensions: ['binary_tensor_data'] });
    expect(typeof meta.body.version).toBe('string');
    await api().get('/v2/health/live').expect(200, { live: true });
    await api().get('/v2/health/ready').expect(200, { ready: true });
    await api().get('/v2/models/mnist/ready').expect(200, { name: 'mnist', ready: true });
  });

  it('describes the model tensors', async () => {
    const res = await api().get('/v2/models/mnist').expect(200);
    expect(res.body.name).toBe('mnist');
    expect(res.body.versions).toEqual([version()]);
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
      .send({ inputs: [{ name: 'pixels', shape: [1, 784], datatype: 'FP32', data: pixels }] });
    const nested = await api()
      .post('/v2/models/mnist/infer')
      .send({ inputs: [{ name: 'pixels', shape: [1, 28, 28], datatype: 'FP32', data: [rows] }] })
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
      /unknown input 'input0'; this model takes 'pixels' .* and 'images'/,
    ],
    ['a shape that is not [n, 784]', { inputs: [{ name: 'pixels', shape: [1, 783], datatype: 'FP32', data: pixels.slice(1) }] }, /shape/],
    [
      'fewer values than the shape needs',
      { inputs: [{ name: 'pixels', shape: [2, 784], datatype: 'FP32', data: pixels }] },
      /holds 784 values/,
    ],
    [
      'an unknown output',
      { inputs: [{ name: 'pixels', shape: [1, 784], datatype: 'FP32', data: pixels }], outputs: [{ name: 'logits' }] },
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
          { inputs: [{ name: 'pixels', shape: [1, 784], datatype: 'FP32', data: pixels }], outputs: [{ name }] },
          /unknown output/,
        ] as [string, object, RegExp],
    ),
    [
      'data nested deeper than the shape',
      { inputs: [{ name: 'pixels', shape: [1, 784], datatype: 'FP32', data: [[pixels.map((v) => [v])]] }] },
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
    expect(res.body.error).toMatch(/^invalid_input: the JSON nests deeper than 32 levels/);
    await api().get('/v2/health/live').expect(200);
  });
});

describe('with API keys', () => {
  it('protects inference and model metadata, not the server probes, and keeps the protocol error shape', async () => {
    const keyed = await startServer({ API_KEYS: 'v2-key-0123456789abcdef' }, { model: toyDigitModel() });
    try {
      const body = { inputs: [{ name: 'pixels', shape: [1, 784], datatype: 'FP32', data: pixels }] };
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

describe('versioned routes', () => {
  it("answers metadata, readiness and inference under the model's version, and the same as without it", async () => {
    const v = version();
    const plain = await api().get('/v2/models/mnist').expect(200);
    await api().get(`/v2/models/mnist/versions/${v}`).expect(200, plain.body);
    await api().get(`/v2/models/mnist/versions/${v}/ready`).expect(200, { name: 'mnist', ready: true });
    const body = { id: '7', inputs: [{ name: 'pixels', shape: [1, 784], datatype: 'FP32', data: pixels }] };
    const versioned = await api().post(`/v2/models/mnist/versions/${v}/infer`).send(body).expect(200);
    const unversioned = await api().post('/v2/models/mnist/infer').send(body).expect(200);
    expect(versioned.body).toEqual(unversioned.body);
    expect(versioned.body).toMatchObject({ model_name: 'mnist', model_version: v, id: '7' });
  });

  it.each([
    ['GET', '/v2/models/mnist/versions/1'],
    ['GET', '/v2/models/mnist/versions/1/ready'],
    ['POST', '/v2/models/mnist/versions/1/infer'],
  ])('answers %s %s (an unknown version) with 404 {"error": ...} naming the version it has', async (method, path) => {
    const res = method === 'GET' ? await api().get(path) : await api().post(path).send({ inputs: [] });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ error: `not_found: unknown version '1' of model 'mnist'; it has '${version()}'` });
  });

  it('answers an unknown model under a version with 404 {"error": ...}', async () => {
    const res = await api().get(`/v2/models/resnet/versions/${version()}/ready`).expect(404);
    expect(res.body.error).toContain("unknown model 'resnet'");
  });
});

describe('the error shape on every /v2 path', () => {
  it('answers a /v2 path no route serves with 404 {"error": ...}, not a problem+json', async () => {
    for (const path of ['/v2/models/mnist/explain', '/v2/models/mnist/versions', '/v2/nothing']) {
      const res = await api().get(path).expect(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({ error: `not_found: no route for GET ${path}` });
    }
  });

  it('answers a method the path does not serve with 405 {"error": ...} and Allow', async () => {
    const res = await api().get(`/v2/models/mnist/versions/${version()}/infer`).expect(405);
    expect(res.headers.allow).toBe('POST');
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(res.body.error).toMatch(/^method_not_allowed: .* answers POST, not GET$/);
    const post = await api().post('/v2/health/ready').expect(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('answers a body type the route does not read with 415 {"error": ...}', async () => {
    const res = await api().post('/v2/models/mnist/infer').set('content-type', 'text/plain').send('seven').expect(415);
    expect(res.body.error).toMatch(/^unsupported_media_type: a body of type text\/plain is not read here; send application\/json/);
  });

  it('answers an infer request without a body with 400 {"error": ...}', async () => {
    const res = await api().post('/v2/models/mnist/infer').expect(400);
    expect(res.body.error).toMatch(/^empty_body: /);
  });
});

describe('named inputs', () => {
  it.each<[string, object[], RegExp]>([
    [
      'an input of another name',
      [{ name: 'x', shape: [1, 784], datatype: 'FP32', data: pixels }],
      /^invalid_input: unknown input 'x'; this model takes 'pixels' \(FP32 in 0\.\.1 or UINT8 in 0\.\.255.*\) and 'images' \(BYTES \[n\]/,
    ],
    [
      'the same input twice',
      [
        { name: 'pixels', shape: [1, 784], datatype: 'FP32', data: pixels },
        { name: 'pixels', shape: [1, 784], datatype: 'FP32', data: pixels },
      ],
      /input 'pixels' is given twice/,
    ],
    ['pixels sent as BYTES', [{ name: 'pixels', shape: [1], datatype: 'BYTES', data: ['aGVsbG8='] }], /datatype BYTES; it takes FP32/],
    ['images sent as FP32', [{ name: 'images', shape: [1, 784], datatype: 'FP32', data: pixels }], /datatype FP32; image files are BYTES/],
    ['an input with neither data nor binary_data_size', [{ name: 'pixels', shape: [1, 784], datatype: 'FP32' }], /neither data nor/],
  ])('answers %s with 400 {"error": ...}', async (_what, inputs, message) => {
    const res = await api().post('/v2/models/mnist/infer').send({ inputs }).expect(400);
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(res.body.error).toMatch(message);
  });

  it('answers pixels and images given together in the order of the inputs', async () => {
    const png = await sharp(Buffer.from(pixels.map((v) => v * 255)), { raw: { width: 28, height: 28, channels: 1 } })
      .png()
      .toBuffer();
    const res = await api()
      .post('/v2/models/mnist/infer')
      .send({
        inputs: [
          { name: 'images', shape: [1], datatype: 'BYTES', data: [png.toString('base64')] },
          { name: 'pixels', shape: [2, 784], datatype: 'FP32', data: [...pixels, ...pixels.map(() => 0)] },
        ],
        outputs: [{ name: 'predictions' }],
      })
      .expect(200);
    expect(res.body.outputs).toEqual([{ name: 'predictions', shape: [3], datatype: 'INT64', data: expect.any(Array) }]);
  });
});

describe('rows of a tensor', () => {
  it("answers every row as the model's input as given, a blank one too (no no_digit as for a picture)", async () => {
    const res = await api()
      .post('/v2/models/mnist/infer')
      .send({ inputs: [{ name: 'pixels', shape: [2, 784], datatype: 'FP32', data: [...pixels, ...pixels.map(() => 0)] }] })
      .expect(200);
    expect(res.body.outputs[1]).toMatchObject({ name: 'predictions', shape: [2] });
  });
});

describe('datatypes', () => {
  const uint8 = pixels.map((v) => v * 255);

  it('takes UINT8 pixels in 0..255, [n, 784] or [n, 28, 28], as the same image scaled by 1/255', async () => {
    const fp32 = await api()
      .post('/v2/models/mnist/infer')
      .send({ inputs: [{ name: 'pixels', shape: [1, 784], datatype: 'FP32', data: pixels }] })
      .expect(200);
    const flat = await api()
      .post('/v2/models/mnist/infer')
      .send({ inputs: [{ name: 'pixels', shape: [1, 784], datatype: 'UINT8', data: uint8 }] })
      .expect(200);
    const rows = Array.from({ length: 28 }, (_, r) => uint8.slice(r * 28, r * 28 + 28));
    const nested = await api()
      .post('/v2/models/mnist/infer')
      .send({ inputs: [{ name: 'pixels', shape: [1, 28, 28], datatype: 'UINT8', data: [rows] }] })
      .expect(200);
    expect(flat.body.outputs).toEqual(fp32.body.outputs);
    expect(nested.body.outputs).toEqual(fp32.body.outputs);
  });

  it.each<[string, object, RegExp]>([
    [
      'FP32 pixels over 1 (a 0..255 image sent as floats)',
      { name: 'pixels', shape: [1, 784], datatype: 'FP32', data: uint8 },
      /^invalid_input: input 'pixels': FP32 pixels are in 0\.\.1, element 0 is 255; send 0\.\.255 images as UINT8, or divide them by 255$/,
    ],
    [
      'negative FP32 pixels',
      { name: 'pixels', shape: [1, 784], datatype: 'FP32', data: pixels.map((v, i) => (i === 3 ? -0.5 : v)) },
      /FP32 pixels are in 0\.\.1, element 3 is -0\.5/,
    ],
    [
      'UINT8 pixels over 255',
      { name: 'pixels', shape: [1, 784], datatype: 'UINT8', data: uint8.map((v, i) => (i === 5 ? 256 : v)) },
      /UINT8 pixels are integers in 0\.\.255, element 5 is 256/,
    ],
    [
      'UINT8 pixels that are not integers',
      { name: 'pixels', shape: [1, 784], datatype: 'UINT8', data: pixels.map((v) => v / 2) },
      /UINT8 pixels are integers in 0\.\.255, element 0 is 0\.5/,
    ],
    [
      'pixels of another datatype',
      { name: 'pixels', shape: [1, 784], datatype: 'FP64', data: pixels },
      /datatype FP64; it takes FP32 \(values in 0\.\.1\) or UINT8 \(values in 0\.\.255\)/,
    ],
  ])('answers %s with 400 saying the expected range', async (_what, input, message) => {
    const res = await api()
      .post('/v2/models/mnist/infer')
      .send({ inputs: [input] })
      .expect(400);
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(res.body.error).toMatch(message);
  });
});
