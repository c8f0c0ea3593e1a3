import { describe, expect, it } from 'vitest';
import { InvalidWeightsError } from '../../../src/model/weights/errors.js';
import { checkDimensions, checkTensorNames, layersFromTensors, type Tensor } from '../../../src/model/weights/tensors.js';
import { toyTensors } from '../../fixtures/weights/toy.js';

const scalar: Tensor = { shape: [1], data: new Float32Array(1) };

describe('layersFromTensors', () => {
  it('reads the toy network: sizes 3-4-2 and the arrays as they are', () => {
    const tensors = toyTensors();
    const { sizes, params } = layersFromTensors(tensors);
    expect(sizes).toEqual([3, 4, 2]);
    expect(params[1]!.weights).toBe(tensors.get('W2')!.data);
  });

  it.each([
    ['W0 and b0', ['W0', 'b0']],
    ['a leading zero', ['W01', 'b1']],
    ['a layer beyond the count', ['W1', 'b2']],
    ['an odd count', ['W1', 'b1', 'W2']],
    ['no tensor', []],
  ])('refuses names that are not W1..Wn and b1..bn: %s', (_, names) => {
    const tensors = new Map(names.map((name) => [name, scalar]));
    expect(() => layersFromTensors(tensors)).toThrow(/expected tensors W1, b1, W2, b2, \.\.\. \(one W and one b per layer\), found /);
  });

  it('checks 200,000 names in linear time, listing a few of them', () => {
    const tensors = new Map(Array.from({ length: 200_000 }, (_, i) => [`t${i}`, scalar]));
    const start = process.cpuUsage();
    expect(() => layersFromTensors(tensors)).toThrow(
      /^expected tensors W1, b1, W2, b2, \.\.\. \(one W and one b per layer\), found t0, t1, t2, t3, \.\.\. \(199,996 more\)$/,
    );
    const { user, system } = process.cpuUsage(start);
    // CPU time, which a busy machine does not stretch
    expect((user + system) / 1000).toBeLessThan(1000);
  });
});

describe('checkTensorNames and checkDimensions', () => {
  it('allow up to 128 tensors and names of up to 256 characters', () => {
    expect(() => checkTensorNames([...Array.from({ length: 127 }, (_, i) => `t${i}`), 'x'.repeat(256)])).not.toThrow();
  });

  it('refuse a 129th tensor, listing a few names', () => {
    const names = Array.from({ length: 129 }, (_, i) => `t${i}`);
    expect(() => checkTensorNames(names)).toThrow(InvalidWeightsError);
    expect(() => checkTensorNames(names)).toThrow(/^129 tensors \(t0, t1, t2, t3, \.\.\. \(125 more\)\); a model has at most 128, one W and one b per layer$/);
  });

  it('refuse a name of 257 characters, quoting its start', () => {
    expect(() => checkTensorNames(['W1', 'x'.repeat(257)])).toThrow(/^tensor name x{40}\.\.\. \(257 chars\) is longer than 256 characters$/);
  });

  it('allow 8 dimensions and refuse 9', () => {
    expect(() => checkDimensions('W1', 8)).not.toThrow();
    expect(() => checkDimensions('W1', 9)).toThrow(/^W1: 9 dimensions; a tensor may have at most 8$/);
  });
});
