/**
 * A model repository served: <name>/<version>/model.safetensors, every version answering when
 * asked by name and version, the highest by default, and the book's network beside ours on
 * the official test set through one server.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS } from '../../src/config.js';
import { loadWeights, saveWeights } from '../../src/model/weights/load.js';
import { scanRepository, scanRepositoryToStart } from '../../src/models/repository.js';
import { BOOK_WEIGHTS, MNIST_DIR } from '../support/mnist.js';
import { toyDigitModel } from '../support/models.js';
import { strokePixels } from '../support/pixels.js';
import { startServer, type RunningServer } from '../support/server.js';
import { hasSharedData, warnIfSharedDataMissing } from '../support/shared-data.js';

warnIfSharedDataMissing('the model repository tests (the book network as version 1)');

describe('scanRepository', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'digit-serve-repo-scan-'));
    for (const path of ['digits/1', 'digits/10', 'digits/2', 'digits/3', 'fashion/1', 'digits/latest', '.hidden/1']) {
      await mkdir(join(dir, path), { recursive: true });
    }
    for (const path of ['digits/1', 'digits/10', 'digits/2', 'fashion/1', 'digits/latest', '.hidden/1']) {
      await writeFile(join(dir, path, 'model.safetensors'), '');
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('finds every version by name, numerically ordered; skips other folders and a version without its file', async () => {
    const found = await scanRepository(dir);
    expect(found.map((v) => `${v.name}/${v.version}`)).toEqual(['digits/1', 'digits/2', 'digits/10', 'fashion/1']);
    expect(found[0]!.file).toBe(join(dir, 'digits/1/model.safetensors'));
  });

  it('says what it expected of a folder holding no model, and of one that is not there', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'digit-serve-repo-empty-'));
    expect(await scanRepository(empty)).toEqual([]);
    await expect(scanRepositoryToStart(empty)).rejects.toThrow('holds no model: expected <name>/<version>/model.safetensors');
    await expect(scanRepository(join(empty, 'nope'))).rejects.toThrow(/cannot be read: ENOENT/);
    await rm(empty, { recursive: true, force: true });
  });
});

describe.skipIf(!hasSharedData)('a repository served: digits 1 (the book), digits 2 (ours)', () => {
  let repository: string;
  let server: RunningServer;
  let ours: string;

  beforeAll(async () => {
    repository = await mkdtemp(join(tmpdir(), 'digit-serve-repo-'));
    await mkdir(join(repository, 'digits/1'), { recursive: true });
    await mkdir(join(repository, 'digits/2'), { recursive: true });
    const book = await loadWeights(BOOK_WEIGHTS());
    await saveWeights(join(repository, 'digits/1/model.safetensors'), book.mlp, { name: 'dlfs-sample-weight' });
    await copyFile(DEFAULT_WEIGHTS, join(repository, 'digits/2/model.safetensors'));
    ours = (await loadWeights(DEFAULT_WEIGHTS)).info.sha256;
    server = await startServer({ MODEL_REPOSITORY: repository, MNIST_DIR: MNIST_DIR() });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await rm(repository, { recursive: true, force: true });
  });

  it('lists the model, its versions, the default, labels and profile', async () => {
    const res = await request(server.url).get('/models').expect(200);
    expect(res.body.default).toBe('digits');
    expect(res.body.models).toHaveLength(1);
    const [digits] = res.body.models;
    expect(digits).toMatchObject({ name: 'digits', defaultVersion: '2' });
    expect(digits.versions.map((v: { version: string }) => v.version)).toEqual(['1', '2']);
    for (const version of digits.versions) {
      expect(version).toMatchObject({ labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], profile: 'digits', state: 'ready' });
    }
    expect(digits.versions[1].sha256).toBe(ours);
  });

  it('scores each version on the official test set through the one server: 0.9352 for the book, ours above it', async () => {
    const book = await request(server.url).get('/eval?model=digits&version=1').expect(200);
    expect(book.body).toMatchObject({ accuracy: 0.9352, correct: 9352, model: { name: 'digits', version: '1' } });
    const byDefault = await request(server.url).get('/eval').expect(200);
    expect(byDefault.body.model).toEqual({ name: 'digits', version: '2', sha256: ours });
    expect(byDefault.body.accuracy).toBeGreaterThan(0.97);
    const listed = await request(server.url).get('/models').expect(200);
    expect(listed.body.models[0].versions.map((v: { eval: { accuracy: number } }) => v.eval.accuracy)).toEqual([
      0.9352,
      byDefault.body.accuracy,
    ]);
  });

  it('answers /predict, /predict/batch and /read with the version asked for, and names it', async () => {
    const pixels = strokePixels();
    const latest = await request(server.url).post('/predict').send({ pixels }).expect(200);
    expect(latest.body.model).toMatchObject({ name: 'digits', version: '2' });
    const first = await request(server.url).post('/predict?model=digits&version=1').send({ pixels }).expect(200);
    expect(first.body.model).toMatchObject({ name: 'digits', version: '1' });
    expect(first.body.probabilities).not.toEqual(latest.body.probabilities);
    const batch = await request(server.url)
      .post('/predict/batch?version=1')
      .send({ inputs: [{ pixels }] })
      .expect(200);
    expect(batch.body.model.version).toBe('1');
    expect(batch.body.results[0].probabilities).toEqual(first.body.probabilities);
    // each version counted apart: latency and predictions carry the model and version
    const metrics = (await request(server.url).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(
      /^http_request_duration_seconds_count\{method="POST",route="\/predict",status_code="200",model="digits",version="1"\} 1$/m,
    );
    expect(metrics).toMatch(
      /^http_request_duration_seconds_count\{method="POST",route="\/predict",status_code="200",model="digits",version="2"\} 1$/m,
    );
    expect(metrics).toMatch(
      new RegExp(`^digit_serve_predictions_total\\{model="digits",version="1",class="${first.body.prediction}"\\} 2$`, 'm'),
    );
  });

  it('serves every version through the Open Inference Protocol by its name, and the default as mnist', async () => {
    const meta = await request(server.url).get('/v2/models/digits').expect(200);
    expect(meta.body).toMatchObject({ name: 'digits', versions: ['1', '2'] });
    const pixels = strokePixels();
    const body = { inputs: [{ name: 'pixels', shape: [1, 784], datatype: 'FP32', data: pixels }] };
    const first = await request(server.url).post('/v2/models/digits/versions/1/infer').send(body).expect(200);
    expect(first.body).toMatchObject({ model_name: 'digits', model_version: '1' });
    const byDefault = await request(server.url).post('/v2/models/mnist/infer').send(body).expect(200);
    expect(byDefault.body).toMatchObject({ model_name: 'mnist', model_version: '2' });
    const single = await request(server.url).post('/predict?version=1').send({ pixels }).expect(200);
    expect(first.body.outputs[0].data).toEqual(single.body.probabilities);
    const unknown = await request(server.url).post('/v2/models/digits/versions/7/infer').send(body).expect(404);
    expect(unknown.body.error).toContain("unknown version '7' of model 'digits'; it has '1', '2'");
  });

  it("lists every version in the protocol's repository index", async () => {
    const index = await request(server.url).post('/v2/repository/index').send({}).expect(200);
    expect(index.body).toEqual([
      { name: 'digits', version: '1', state: 'READY', reason: '' },
      { name: 'digits', version: '2', state: 'READY', reason: '' },
    ]);
    expect((await request(server.url).get('/v2/repository/index').expect(200)).body).toEqual(index.body);
  });

  it('answers 404 model_not_found for a model or a version not served, naming what is', async () => {
    const model = await request(server.url).post('/predict?model=fashion').send({ pixels: strokePixels() }).expect(404);
    expect(model.body).toMatchObject({ code: 'model_not_found', models: ['digits'] });
    const version = await request(server.url).get('/eval?model=digits&version=3').expect(404);
    expect(version.body).toMatchObject({ code: 'model_not_found', versions: ['1', '2'] });
    expect(version.body.detail).toBe("model 'digits' has no version '3'; its versions: 1, 2");
  });
});

describe('a model of other labels and the plain profile beside a digit model', () => {
  const CLOTHES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
  let repository: string;
  let server: RunningServer;

  beforeAll(async () => {
    repository = await mkdtemp(join(tmpdir(), 'digit-serve-repo-clothes-'));
    await mkdir(join(repository, 'digits/1'), { recursive: true });
    await mkdir(join(repository, 'clothes/1'), { recursive: true });
    await copyFile(DEFAULT_WEIGHTS, join(repository, 'digits/1/model.safetensors'));
    await saveWeights(join(repository, 'clothes/1/model.safetensors'), toyDigitModel(5).mlp, {
      name: 'toy-clothes',
      labels: JSON.stringify(CLOTHES),
      profile: 'plain',
    });
    server = await startServer({ MODEL_REPOSITORY: repository, DEFAULT_MODEL: 'digits' });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rm(repository, { recursive: true, force: true });
  });

  it('lists its labels and profile, answers a blank picture (no no-digit rule), and /read refuses it', async () => {
    const listed = await request(server.url).get('/models').expect(200);
    const clothes = listed.body.models.find((m: { name: string }) => m.name === 'clothes');
    expect(clothes.versions[0]).toMatchObject({ labels: CLOTHES, profile: 'plain' });
    const blank = new Array(784).fill(0);
    await request(server.url).post('/predict').send({ pixels: blank }).expect(422);
    const answer = await request(server.url).post('/predict?model=clothes').send({ pixels: blank }).expect(200);
    expect(answer.body.model).toMatchObject({ name: 'clothes', version: '1' });
    expect(answer.body.probabilities).toHaveLength(10);
    const read = await request(server.url).post('/read?model=clothes').send({ pixels: strokePixels() }).expect(400);
    expect(read.body).toMatchObject({ code: 'not_a_digit_model' });
    expect(read.body.detail).toContain("model 'clothes' classifies pictures as T-shirt/top, Trouser, Pullover, ...");
  });

  it('refuses a model whose labels do not match its classes, naming the file', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'digit-serve-repo-badlabels-'));
    await mkdir(join(bad, 'clothes/1'), { recursive: true });
    await saveWeights(join(bad, 'clothes/1/model.safetensors'), toyDigitModel().mlp, { name: 'toy', labels: '["a","b","c"]' });
    await expect(startServer({ MODEL_REPOSITORY: bad })).rejects.toThrow(
      /clothes\/1\/model\.safetensors: the network maps 784 inputs to 10 classes; a model of 3 labels needs 784 -> 3/,
    );
    await mkdir(join(bad, 'clothes/2'), { recursive: true });
    await rm(join(bad, 'clothes/1'), { recursive: true });
    await saveWeights(join(bad, 'clothes/2/model.safetensors'), toyDigitModel().mlp, { name: 'toy', profile: 'sketch' });
    await expect(startServer({ MODEL_REPOSITORY: bad })).rejects.toThrow(/its metadata "profile" must be one of digits, plain/);
    await rm(bad, { recursive: true, force: true });
  });
});
