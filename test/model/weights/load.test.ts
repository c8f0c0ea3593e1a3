import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { forward } from '../../../src/model/mlp.js';
import { WeightsWriteError } from '../../../src/model/weights/errors.js';
import { loadWeights, saveWeights } from '../../../src/model/weights/load.js';
import { mlpToSafetensors } from '../../../src/model/weights/mlp-safetensors.js';
import { encodeSafetensors } from '../../../src/model/weights/safetensors.js';
import { WeightsError } from '../../../src/model/weights/types.js';
import { bookShapedTensors, maliciousPickles, pickleBytes, rawSafetensors, TOY_DIR, toyMlp, toyTensors } from '../../fixtures/weights/toy.js';

const tmp = mkdtempSync(join(tmpdir(), 'digit-serve-load-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let fileCount = 0;
/** Write bytes to a fresh file in the temp dir and return its path. */
function writeTemp(bytes: Uint8Array, extension = '.safetensors'): string {
  const file = join(tmp, `case-${++fileCount}${extension}`);
  writeFileSync(file, bytes);
  return file;
}

/** The load must fail with one WeightsError whose single-line message names the file and the problem. */
async function expectWeightsError(file: string, problem: RegExp): Promise<void> {
  const error = await loadWeights(file).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(WeightsError);
  const { message } = error as WeightsError;
  expect(message.startsWith(`cannot load weights from ${file}: `)).toBe(true);
  expect(message).not.toContain('\n');
  expect(message).toMatch(problem);
}

const toyFile = () => Buffer.from(mlpToSafetensors(toyMlp(), { name: 'toy' }));
const toyMetadata = { format: 'digit-serve-mlp/1', architecture: '{"sizes":[3,4,2],"hidden":["sigmoid"],"output":"softmax"}' };

describe('loadWeights', () => {
  it('loads safetensors with the name from the metadata and the sha256 of the file', async () => {
    const bytes = toyFile();
    const file = writeTemp(bytes);
    const { mlp, info } = await loadWeights(file);
    expect(mlp).toEqual(toyMlp());
    expect(info).toEqual({
      name: 'toy',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      file,
      format: 'safetensors',
      architecture: { sizes: [3, 4, 2], hidden: ['sigmoid'], output: 'softmax' },
      metadata: { name: 'toy', ...toyMetadata },
    });
  });

  it('names the model after the file when the metadata has no name', async () => {
    const file = writeTemp(encodeSafetensors(toyTensors(), toyMetadata));
    expect((await loadWeights(file)).info.name).toBe(`case-${fileCount}`);
  });

  it.each(['.pkl', '.pickle', '.PKL'])('loads a numpy pickle named *%s, named after the file', async (extension) => {
    const file = join(tmp, `toy-weights${extension}`);
    copyFileSync(join(TOY_DIR, 'toy-p3-fortran-f4.pkl'), file);
    const { mlp, info } = await loadWeights(file);
    expect(info).toMatchObject({ name: 'toy-weights', format: 'pickle', metadata: {} });
    expect(mlp).toEqual(toyMlp());
  });

  it("loads a protocol 2 numpy pickle of the book's layout with every value exact", async () => {
    const { mlp, info } = await loadWeights(join(TOY_DIR, 'book-shapes-p2.pkl'));
    expect(info.architecture).toEqual({ sizes: [784, 50, 100, 10], hidden: ['sigmoid', 'sigmoid'], output: 'softmax' });
    const expected = bookShapedTensors();
    mlp.layers.forEach((layer, i) => {
      expect(Buffer.from(layer.weights.buffer), `W${i + 1}`).toEqual(Buffer.from(expected.get(`W${i + 1}`)!.data.buffer));
      expect(Buffer.from(layer.bias.buffer), `b${i + 1}`).toEqual(Buffer.from(expected.get(`b${i + 1}`)!.data.buffer));
    });
  });

  it('refuses a protocol 0 pickle naming os.system as protocol 0, and runs nothing', async () => {
    const marker = join(tmp, 'pwned-p0');
    const file = writeTemp(pickleBytes(`cos\nsystem\n(S'touch ${marker}'\ntR.`), '.pkl');
    await expectWeightsError(file, /pickle: GLOBAL at offset 0: no PROTO opcode first: a protocol 0 or 1 pickle, and only protocols 2 to 4 are read$/);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses an unknown extension, listing the supported ones', async () => {
    await expectWeightsError(writeTemp(toyFile(), '.bin'), /unsupported extension; supported: \.safetensors, \.pkl, \.pickle/);
  });

  it('reports a missing file', async () => {
    await expectWeightsError(join(tmp, 'nope.safetensors'), /: file not found$/);
  });

  it("cuts a cause's long message, here Node's, which quotes a file name too long to open", async () => {
    const file = join(tmp, `${'x'.repeat(5000)}.pkl`);
    await expectWeightsError(file, /: ENAMETOOLONG: name too long, open '.{200,}\.\.\. \([\d,]+ chars\)$/);
    const error = await loadWeights(file).catch((err: unknown) => err);
    expect((error as WeightsError).problem.length).toBeLessThan(330);
  });

  it('reports a directory', async () => {
    const dir = join(tmp, 'dir.safetensors');
    mkdirSync(dir);
    await expectWeightsError(dir, /: is a directory, not a file$/);
  });

  it.each([
    ['inside the length', 3, /truncated: 3 bytes/],
    ['inside the header', 40, /truncated: the header length says/],
    ['inside the data', -1, /truncated: the tensors need 104 bytes of data, the file holds 103/],
  ])('reports a safetensors file truncated %s', async (_, cut, problem) => {
    const bytes = toyFile();
    await expectWeightsError(writeTemp(bytes.subarray(0, cut < 0 ? bytes.length + cut : cut)), problem);
  });

  it('reports a header length larger than the file', async () => {
    const bytes = toyFile();
    bytes.writeBigUInt64LE(BigInt(bytes.length));
    await expectWeightsError(writeTemp(bytes), /header length says \d+ bytes but only \d+ follow/);
  });

  it('reports an invalid JSON header', async () => {
    await expectWeightsError(writeTemp(rawSafetensors('{"W1": nope}')), /the header is not valid UTF-8 JSON/);
  });

  it.each(['F16', 'I32'])('reports dtype %s', async (dtype) => {
    const file = writeTemp(rawSafetensors({ W1: { dtype, shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)));
    await expectWeightsError(file, new RegExp(`tensor W1 has dtype ${dtype}; only F32 is supported`));
  });

  it('reports W2 not chaining with W1', async () => {
    const tensors = toyTensors();
    tensors.set('W2', { shape: [8, 1], data: tensors.get('W2')!.data });
    const architecture = '{"sizes":[3,4,1],"hidden":["sigmoid"],"output":"softmax"}';
    tensors.set('b2', { shape: [1], data: Float32Array.of(0) });
    await expectWeightsError(writeTemp(encodeSafetensors(tensors, { ...toyMetadata, architecture })), /W2 has shape \[8,1\] but W1 outputs 4 values/);
  });

  it.each([NaN, Infinity])('reports %s, naming the tensor', async (bad) => {
    const tensors = toyTensors();
    tensors.get('W1')!.data[5] = bad;
    await expectWeightsError(writeTemp(encodeSafetensors(tensors, toyMetadata)), new RegExp(`tensor W1 holds ${bad} at index 5`));
  });

  it('reports a truncated pickle', async () => {
    const bytes = readFileSync(join(TOY_DIR, 'toy-p3-fortran-f4.pkl'));
    await expectWeightsError(writeTemp(bytes.subarray(0, 200), '.pkl'), /pickle: .* at offset \d+: truncated/);
  });

  it.each(maliciousPickles(join(tmp, 'pwned')))('refuses a pickle naming %s and runs nothing', async (global, bytes) => {
    await expectWeightsError(writeTemp(bytes, '.pkl'), new RegExp(`refused global ${global.replace(/\./g, '\\.')}`));
    expect(existsSync(join(tmp, 'pwned'))).toBe(false);
  });
});

describe('saveWeights', () => {
  it('writes a file that loads back to the same model and outputs, leaving no temporary file', async () => {
    const dir = mkdtempSync(join(tmp, 'save-'));
    const file = join(dir, 'model.safetensors');
    const mlp = toyMlp();
    const written = await saveWeights(file, mlp, { name: 'saved', training: '{"epochs":1}' });
    const loaded = await loadWeights(file);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    expect(written).toEqual({ sha256: loaded.info.sha256, bytes: readFileSync(file).length });
    expect(loaded.info.metadata).toMatchObject({ name: 'saved', training: '{"epochs":1}' });
    const x = Float32Array.from({ length: 6 }, (_, i) => Math.sin(i + 1));
    expect(forward(loaded.mlp, x, 2)).toEqual(forward(mlp, x, 2));
  });

  it('replaces an existing file', async () => {
    const file = writeTemp(Buffer.from('old'));
    await saveWeights(file, toyMlp(), { name: 'new' });
    expect((await loadWeights(file)).info.name).toBe('new');
  });

  it('refuses another extension and a missing directory with a WeightsWriteError naming the file', async () => {
    const noDir = join(tmp, 'missing', 'model.safetensors');
    await expect(saveWeights(join(tmp, 'model.pkl'), toyMlp(), { name: 'x' })).rejects.toThrow(WeightsWriteError);
    await expect(saveWeights(join(tmp, 'model.pkl'), toyMlp(), { name: 'x' })).rejects.toThrow(/must end in \.safetensors/);
    await expect(saveWeights(noDir, toyMlp(), { name: 'x' })).rejects.toThrow(`cannot write weights to ${noDir}: the directory does not exist`);
  });
});
