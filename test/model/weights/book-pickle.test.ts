/**
 * The book's real sample_weight.pkl (../shared/data/dlfs), checked against the numpy reference
 * outputs shipped beside it: an error in byte order, Fortran order or layer order would change them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { argmaxRows, describeArchitecture, forward } from '../../../src/model/mlp.js';
import { loadWeights, saveWeights } from '../../../src/model/weights/load.js';
import { hasSharedData, sharedPath, warnIfSharedDataMissing } from '../../support/shared-data.js';

warnIfSharedDataMissing("the tests of the book's sample_weight.pkl (test/model/weights/book-pickle.test.ts)");

const BOOK_PKL_SHA256 = 'b7f55a27988ba34c3777b0f1bbd464817c8a4db855723e6ff26f703501917a13';
const IMAGES = 100;
const PIXELS = 784;
const CLASSES = 10;
/** float32 numpy vs our float64 accumulation rounded to float32: differences stay far below this */
const PROBABILITY_TOLERANCE = 1e-5;

/** The first `n` MNIST test images as pixel / 255 (IDX format: 16-byte header, then uint8 pixels). */
function testImages(n: number): Float32Array {
  const idx = gunzipSync(readFileSync(sharedPath('mnist', 't10k-images-idx3-ubyte.gz')));
  return Float32Array.from(idx.subarray(16, 16 + n * PIXELS), (p) => p / 255);
}

describe.skipIf(!hasSharedData)("the book's sample_weight.pkl", () => {
  const file = sharedPath('dlfs', 'sample_weight.pkl');
  const tmp = mkdtempSync(join(tmpdir(), 'digit-serve-book-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('loads as 784-50-100-10 sigmoid/sigmoid/softmax with the published sha256', async () => {
    const { info } = await loadWeights(file);
    expect(describeArchitecture(info.architecture)).toBe('784-50-100-10 sigmoid/sigmoid/softmax');
    expect(info).toMatchObject({ name: 'sample_weight', format: 'pickle', sha256: BOOK_PKL_SHA256, metadata: {} });
  });

  it('reproduces the numpy reference probabilities and predictions on the first test images', async () => {
    const { mlp } = await loadWeights(file);
    const probabilities = forward(mlp, testImages(IMAGES), IMAGES);
    const reference = readFileSync(sharedPath('dlfs', 't10k-reference-probabilities.f32le'));
    const expected = new Float32Array(IMAGES * CLASSES);
    for (let i = 0; i < expected.length; i++) expected[i] = reference.readFloatLE(i * 4);
    const worst = Math.max(...probabilities.map((p, i) => Math.abs(p - expected[i]!)));
    expect(worst).toBeLessThan(PROBABILITY_TOLERANCE);
    const predictions = readFileSync(sharedPath('dlfs', 't10k-reference-predictions.u8')).subarray(0, IMAGES);
    expect(argmaxRows(probabilities, IMAGES, CLASSES)).toEqual(new Uint8Array(predictions));
  });

  it('converts to safetensors with the exact same float32 parameters and outputs', async () => {
    const original = await loadWeights(file);
    const out = join(tmp, 'book.safetensors');
    await saveWeights(out, original.mlp, { name: 'dlfs-sample-weight' });
    const converted = await loadWeights(out);
    expect(converted.info.architecture).toEqual(original.info.architecture);
    converted.mlp.layers.forEach((layer, i) => {
      const before = original.mlp.layers[i]!;
      expect(Buffer.from(layer.weights.buffer)).toEqual(Buffer.from(before.weights.buffer));
      expect(Buffer.from(layer.bias.buffer)).toEqual(Buffer.from(before.bias.buffer));
    });
    const n = 5;
    const x = Float32Array.from({ length: n * PIXELS }, (_, i) => Math.abs(Math.sin(i * 12.9898) * 43758.5453) % 1);
    expect(forward(converted.mlp, x, n)).toEqual(forward(original.mlp, x, n));
  });
});
