import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeArchitecture } from '../../../src/model/mlp.js';
import { InvalidWeightsError } from '../../../src/model/weights/errors.js';
import { mlpFromPickle, tensorsFromPickle } from '../../../src/model/weights/numpy-pickle.js';
import { binunicode, pickleBytes, TOY_DIR, toyTensors } from '../../fixtures/weights/toy.js';

const fixture = (name: string) => readFileSync(join(TOY_DIR, name));

/** Replace the first occurrence of `from` (a same-length patch keeps every other byte valid). */
function patch(bytes: Buffer, from: string, to: string): Buffer {
  const at = bytes.indexOf(Buffer.from(from, 'latin1'));
  expect(at).toBeGreaterThanOrEqual(0);
  const out = Buffer.from(bytes);
  out.write(to, at, 'latin1');
  return out;
}

describe('tensorsFromPickle on pickles written by numpy', () => {
  it.each([
    ['protocol 3, numpy._core names, Fortran order, little-endian float32', 'toy-p3-fortran-f4.pkl'],
    ['protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL), C order, big-endian float64', 'toy-p4-c-f8-big-endian.pkl'],
  ])('reads %s as row-major float32', (_, file) => {
    const tensors = tensorsFromPickle(fixture(file));
    const expected = toyTensors();
    expect([...tensors.keys()]).toEqual([...expected.keys()]);
    for (const [name, { shape, data }] of expected) {
      expect(tensors.get(name)!.shape, name).toEqual(shape);
      expect(tensors.get(name)!.data, name).toEqual(data);
    }
  });

  it('refuses protocol 2, whose bytes go through the global _codecs.encode', () => {
    expect(() => tensorsFromPickle(fixture('toy-p2.pkl'))).toThrow(/refused global _codecs\.encode/);
  });

  it('refuses a dtype other than f4 and f8, naming it', () => {
    const bytes = patch(fixture('toy-p4-c-f8-big-endian.pkl'), '\x8c\x02f8', '\x8c\x02i8');
    expect(() => tensorsFromPickle(bytes)).toThrow(/REDUCE at offset \d+: numpy dtype "i8" is not supported \(only f4 and f8\)/);
  });

  it('refuses a dtype named after an Object property', () => {
    const bytes = pickleBytes('\x80\x03cnumpy\ndtype\n', binunicode('toString'), '\x85R.');
    expect(() => tensorsFromPickle(bytes)).toThrow(/numpy dtype "toString" is not supported/);
  });

  it('refuses a float dtype without a byte order', () => {
    const bytes = patch(fixture('toy-p4-c-f8-big-endian.pkl'), '\x8c\x01>', '\x8c\x01|');
    expect(() => tensorsFromPickle(bytes)).toThrow(/BUILD at offset \d+: numpy dtype: byte order "\|" is not < or >/);
  });

  it('refuses an array whose data does not match its shape', () => {
    // W1 (3,4) becomes (3,5): 48 bytes of float32 are not 60
    const bytes = patch(fixture('toy-p3-fortran-f4.pkl'), 'K\x03K\x04\x86', 'K\x03K\x05\x86');
    expect(() => tensorsFromPickle(bytes)).toThrow(/numpy array: 48 data bytes, shape \[3,5\] of f4 needs 60/);
  });

  it.each([
    ['something other than a dict', pickleBytes('\x80\x03K\x01.'), /the pickle does not hold a dict/],
    ['a dict entry that is not an array', pickleBytes('\x80\x03}', binunicode('W1'), 'K\x01s.'), /dict entry W1 is not a numpy array/],
    ['a non-string key', pickleBytes('\x80\x03}K\x01K\x02s.'), /the dict has a non-string key 1/],
  ])('refuses %s', (_, bytes, message) => {
    expect(() => tensorsFromPickle(bytes)).toThrow(InvalidWeightsError);
    expect(() => tensorsFromPickle(bytes)).toThrow(message);
  });
});

describe('mlpFromPickle', () => {
  it("builds the book's network: sizes from the shapes, sigmoid hidden layers, softmax output", () => {
    const { mlp, architecture } = mlpFromPickle(fixture('toy-p3-fortran-f4.pkl'));
    expect(describeArchitecture(architecture)).toBe('3-4-2 sigmoid/softmax');
    expect(mlp.layers.map((l) => l.activation)).toEqual(['sigmoid', 'softmax']);
    expect(mlp.layers[1]!.weights).toEqual(toyTensors().get('W2')!.data);
  });
});
