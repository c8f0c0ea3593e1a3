import { describe, expect, it } from 'vitest';
import { ModelShapeError } from '../../../src/model/mlp.js';
import { InvalidWeightsError } from '../../../src/model/weights/errors.js';
import { MLP_FORMAT, mlpFromSafetensors, mlpToSafetensors } from '../../../src/model/weights/mlp-safetensors.js';
import { encodeSafetensors, parseSafetensors } from '../../../src/model/weights/safetensors.js';
import { toyMlp, toyTensors } from '../../fixtures/weights/toy.js';

const TOY_ARCHITECTURE = JSON.stringify({ sizes: [3, 4, 2], hidden: ['sigmoid'], output: 'softmax' });

describe('mlpToSafetensors', () => {
  it('records format, architecture and the given provenance in __metadata__', () => {
    const { metadata } = parseSafetensors(mlpToSafetensors(toyMlp(), { name: 'toy', training: '{"seed":1}' }));
    expect(metadata).toEqual({ name: 'toy', training: '{"seed":1}', format: MLP_FORMAT, architecture: TOY_ARCHITECTURE });
  });

  it('derives format and architecture from the model, whatever the caller passed', () => {
    const { metadata } = parseSafetensors(mlpToSafetensors(toyMlp(), { name: 'toy', format: 'other', architecture: '{}' }));
    expect(metadata.format).toBe(MLP_FORMAT);
    expect(metadata.architecture).toBe(TOY_ARCHITECTURE);
  });

  it('stores the book names W1, b1, W2, b2 with shapes (in,out) and (out)', () => {
    const { tensors } = parseSafetensors(mlpToSafetensors(toyMlp(), { name: 'toy' }));
    expect(Object.fromEntries([...tensors].map(([name, t]) => [name, t.shape]))).toEqual({ W1: [3, 4], b1: [4], W2: [4, 2], b2: [2] });
  });
});

describe('mlpFromSafetensors', () => {
  const file = (metadata: Record<string, string>, tensors = toyTensors()) => encodeSafetensors(tensors, metadata);

  it('rebuilds the same model and returns the metadata', () => {
    const mlp = toyMlp();
    const back = mlpFromSafetensors(mlpToSafetensors(mlp, { name: 'toy' }));
    expect(back.architecture).toEqual(JSON.parse(TOY_ARCHITECTURE));
    expect(back.mlp).toEqual(mlp);
    expect(back.metadata).toEqual({ name: 'toy', format: MLP_FORMAT, architecture: TOY_ARCHITECTURE });
  });

  it('refuses a file without our format marker', () => {
    expect(() => mlpFromSafetensors(file({ architecture: TOY_ARCHITECTURE }))).toThrow(/no __metadata__.format, expected "digit-serve-mlp\/1"/);
    expect(() => mlpFromSafetensors(file({ format: 'pt', architecture: TOY_ARCHITECTURE }))).toThrow(/format "pt"/);
  });

  it.each([
    ['missing', {}, /no __metadata__.architecture/],
    ['not JSON', { architecture: '{sizes' }, /__metadata__.architecture is not JSON/],
    ['invalid', { architecture: '{"sizes":[3,4,2],"hidden":[],"output":"softmax"}' }, /__metadata__.architecture is invalid \(value: there must be one hidden activation/],
  ])('refuses an architecture that is %s', (_, extra, message) => {
    expect(() => mlpFromSafetensors(file({ format: MLP_FORMAT, ...extra }))).toThrow(message);
  });

  it('refuses an architecture longer than 4,096 characters before parsing it', () => {
    const architecture = JSON.stringify({ sizes: Array<number>(2100).fill(1), hidden: [], output: 'softmax' });
    expect(() => mlpFromSafetensors(file({ format: MLP_FORMAT, architecture }))).toThrow(/^__metadata__\.architecture holds 4,242 characters; the limit is 4,096$/);
  });

  it('quotes only the start of a long format, an architecture that is not JSON, and long size chains', () => {
    expect(() => mlpFromSafetensors(file({ format: 'f'.repeat(1000) }))).toThrow(/^format "f{40}\.\.\. \(1,000 chars\)", expected/);
    expect(() => mlpFromSafetensors(file({ format: MLP_FORMAT, architecture: `{${'x'.repeat(4000)}` }))).toThrow(/^__metadata__\.architecture is not JSON: \{x{39}\.\.\. \(4,001 chars\)$/);
    const sizes = Array<number>(65).fill(2);
    const architecture = JSON.stringify({ sizes, hidden: sizes.slice(2).map(() => 'relu'), output: 'softmax' });
    expect(architecture.length).toBeLessThan(4096);
    expect(() => mlpFromSafetensors(file({ format: MLP_FORMAT, architecture }))).toThrow(
      /^the metadata says (2-){40}\.\.\. \([\d,]+ chars\) but the tensors chain 3-4-2$/,
    );
  });

  it('shows three of the issues of an invalid architecture', () => {
    const architecture = JSON.stringify({ sizes: Array<string>(60).fill('x'), hidden: [], output: 'softmax' });
    expect(() => mlpFromSafetensors(file({ format: MLP_FORMAT, architecture }))).toThrow(/\(sizes\.0: .*; sizes\.1: .*; sizes\.2: .*; \.\.\. \(\d+ more\)\)$/);
  });

  it('refuses an architecture that disagrees with the tensors', () => {
    const architecture = JSON.stringify({ sizes: [3, 5, 2], hidden: ['relu'], output: 'softmax' });
    expect(() => mlpFromSafetensors(file({ format: MLP_FORMAT, architecture }))).toThrow(
      /the metadata says 3-5-2 relu\/softmax but the tensors chain 3-4-2/,
    );
  });

  it('refuses W2 that does not chain with W1, naming both', () => {
    const tensors = toyTensors();
    tensors.set('W2', { shape: [2, 4], data: tensors.get('W2')!.data });
    expect(() => mlpFromSafetensors(file({ format: MLP_FORMAT, architecture: TOY_ARCHITECTURE }, tensors))).toThrow(
      /W2 has shape \[2,4\] but W1 outputs 4 values \(the shapes must chain\)/,
    );
  });

  it.each([NaN, Infinity, -Infinity])('refuses %s in a tensor, naming the tensor', (bad) => {
    const tensors = toyTensors();
    tensors.get('b2')!.data[1] = bad;
    expect(() => mlpFromSafetensors(file({ format: MLP_FORMAT, architecture: TOY_ARCHITECTURE }, tensors))).toThrow(
      new RegExp(`tensor b2 holds ${bad} at index 1 \\(weights must be finite\\)`),
    );
  });

  it('refuses missing or extra tensors, listing what it found', () => {
    const tensors = toyTensors();
    tensors.delete('b2');
    tensors.set('extra', { shape: [1], data: new Float32Array(1) });
    expect(() => mlpFromSafetensors(file({ format: MLP_FORMAT, architecture: TOY_ARCHITECTURE }, tensors))).toThrow(
      /expected tensors W1, b1, W2, b2, \.\.\. .*found W1, W2, b1, extra/,
    );
  });

  it('throws only InvalidWeightsError or ModelShapeError for bad content', () => {
    const tensors = toyTensors();
    tensors.set('b1', { shape: [5], data: new Float32Array(5) });
    let error: unknown;
    try {
      mlpFromSafetensors(file({ format: MLP_FORMAT, architecture: TOY_ARCHITECTURE }, tensors));
    } catch (err) {
      error = err;
    }
    expect(error instanceof InvalidWeightsError || error instanceof ModelShapeError).toBe(true);
    expect(String(error)).toMatch(/b1 has shape \[5\] but W1 outputs 4 values/);
  });
});
