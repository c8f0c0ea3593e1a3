/**
 * The shipped repository through one server: digits 1 (the book's network, converted from its
 * pickle), digits 2 (ours, the default) scored on the official MNIST test set, and fashion 1
 * scored on the official Fashion-MNIST test set laid beside it in its repository folder;
 * Fashion-MNIST's own pictures, uploaded as PNG files, answered as their pixels are.
 *
 * Needs ../shared/data and Debian's dataset-fashion-mnist (.ci/run installs it); skipped
 * loudly without them.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { loadMnistSplit } from '../../src/data/idx.js';
import { loadWeights, saveWeights } from '../../src/model/weights/load.js';
import { BOOK_WEIGHTS, MNIST_DIR } from '../support/mnist.js';
import { startServer, type RunningServer } from '../support/server.js';
import { hasSharedData, warnIfSharedDataMissing } from '../support/shared-data.js';

const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
const hasFashion = existsSync(join(FASHION_DIR, 't10k-images-idx3-ubyte.gz'));
warnIfSharedDataMissing('the shipped repository served whole (the book network as digits 1)');
if (!hasFashion) console.warn(`\n!!! SKIPPED: the fashion model on its test set needs Debian's dataset-fashion-mnist (${FASHION_DIR})\n`);

const SHIPPED = join(PROJECT_ROOT, 'weights');

describe.skipIf(!hasSharedData || !hasFashion)('the shipped repository: the book, ours and fashion through one server', () => {
  let repository: string;
  let server: RunningServer;

  beforeAll(async () => {
    repository = await mkdtemp(join(tmpdir(), 'digit-serve-shipped-'));
    for (const folder of ['digits/1', 'digits/2', 'fashion/1']) await mkdir(join(repository, folder), { recursive: true });
    const book = await loadWeights(BOOK_WEIGHTS());
    await saveWeights(join(repository, 'digits/1/model.safetensors'), book.mlp, { name: 'dlfs-sample-weight' });
    for (const file of ['model.safetensors', 'model.safetensors.sha256']) {
      await copyFile(join(SHIPPED, 'digits/2', file), join(repository, 'digits/2', file));
      await copyFile(join(SHIPPED, 'fashion/1', file), join(repository, 'fashion/1', file));
    }
    for (const file of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
      await symlink(join(FASHION_DIR, file), join(repository, 'fashion/1', file));
    }
    server = await startServer({ MODEL_REPOSITORY: repository, MNIST_DIR: MNIST_DIR(), DEFAULT_MODEL: 'digits' });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await rm(repository, { recursive: true, force: true });
  });

  it('scores digits 1 at 0.9352, digits 2 at 0.9832 on MNIST and fashion 1 at 0.8876 on Fashion-MNIST', async () => {
    const scores = await Promise.all(
      ['?model=digits&version=1', '?model=digits&version=2', '?model=fashion'].map(async (q) => {
        const { body } = await request(server.url).get(`/eval${q}`).expect(200);
        return [body.model.name, body.model.version, body.dataset.name, body.dataset.size, body.accuracy];
      }),
    );
    expect(scores).toEqual([
      ['digits', '1', 'mnist-t10k', 10_000, 0.9352],
      ['digits', '2', 'mnist-t10k', 10_000, 0.9832],
      ['fashion', '1', 'fashion-t10k', 10_000, 0.8876],
    ]);
    const listed = await request(server.url).get('/models').expect(200);
    expect(listed.body.default).toBe('digits');
    const fashion = listed.body.models.find((m: { name: string }) => m.name === 'fashion');
    expect(fashion.versions[0]).toMatchObject({ profile: 'plain', labels: expect.arrayContaining(['T-shirt/top', 'Ankle boot']) });
  });

  it("reads Fashion-MNIST's own pictures, uploaded as PNG, exactly as their pixels", async () => {
    const test = await loadMnistSplit(FASHION_DIR, 't10k');
    for (let i = 0; i < 20; i++) {
      const grey = test.images.subarray(i * 784, (i + 1) * 784);
      const png = await sharp(Buffer.from(grey), { raw: { width: 28, height: 28, channels: 1 } })
        .png()
        .toBuffer();
      const [upload, pixels] = await Promise.all([
        request(server.url).post('/predict?model=fashion').attach('image', png, 'item.png').expect(200),
        request(server.url)
          .post('/predict?model=fashion')
          .send({ pixels: Array.from(grey, (v) => v / 255) })
          .expect(200),
      ]);
      expect(upload.body.probabilities).toEqual(pixels.body.probabilities);
    }
  });
});
