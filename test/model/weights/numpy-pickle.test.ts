import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeArchitecture } from '../../../src/model/mlp.js';
import { InvalidWeightsError } from '../../../src/model/weights/errors.js';
import { mlpFromPickle, tensorsFromPickle } from '../../../src/model/weights/numpy-pickle.js';
import { bookShapedTensors, binunicode, numpyDictPickle, pickleBytes, TOY_DIR, toyTensors } from '../../fixtures/weights/toy.js';

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
    ['protocol 2 (bytes as _codecs.encode), C order, little-endian float32', 'toy-p2.pkl'],
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

  it("reads a protocol 2 pickle of the book's layout (float32, W in Fortran order), every value exact", () => {
    const tensors = tensorsFromPickle(fixture('book-shapes-p2.pkl'));
    const expected = bookShapedTensors();
    expect([...tensors.keys()]).toEqual(['b2', 'W1', 'b1', 'W2', 'W3', 'b3']);
    for (const [name, { shape, data }] of expected) {
      expect(tensors.get(name)!.shape, name).toEqual(shape);
      expect(Buffer.from(tensors.get(name)!.data.buffer), name).toEqual(Buffer.from(data.buffer));
    }
  });

  it('transposes a Fortran-ordered array of any rank, axes of size 1 included', () => {
    const { shape, data } = tensorsFromPickle(fixture('toy-p3-fortran-rank5.pkl')).get('x')!;
    expect(shape).toEqual([2, 1, 3, 1, 4]);
    expect(data).toEqual(Float32Array.from({ length: 24 }, (_, i) => i));
  });

  it.each(['toy-p0.pkl', 'toy-p1.pkl'])('refuses %s: protocols 0 and 1 are not read', (file) => {
    expect(() => tensorsFromPickle(fixture(file))).toThrow(
      /^pickle: (MARK|EMPTY_DICT) at offset 0: no PROTO opcode first: a protocol 0 or 1 pickle, and only protocols 2 to 4 are read$/,
    );
  });

  it('refuses more arrays than a model has tensors, before making them all', () => {
    const arrays = Array.from({ length: 129 }, (_, i): [string, number[], Uint8Array] => [`k${i}`, [1], new Uint8Array(4)]);
    expect(tensorsFromPickle(numpyDictPickle(arrays.slice(0, 128))).size).toBe(128);
    expect(() => tensorsFromPickle(numpyDictPickle(arrays))).toThrow(/REDUCE at offset \d+: more than 128 numpy arrays; a model has at most 128 tensors/);
  });

  it('refuses more dtypes than a model has tensors', () => {
    const dtypes = 'h\x00h\x01R'.repeat(129);
    const bytes = pickleBytes('\x80\x03(cnumpy\ndtype\nq\x00', binunicode('f4'), '\x85q\x01', dtypes, 't.');
    expect(() => tensorsFromPickle(bytes)).toThrow(/REDUCE at offset \d+: more than 128 numpy dtypes/);
  });

  it('refuses a second state for the same array or dtype', () => {
    const one = numpyDictPickle([['W1', [1], new Uint8Array(4)]]);
    // BUILD the array (still on the stack) again with the state memoized in 6
    const twice = Buffer.concat([one.subarray(0, one.length - 'bu.'.length), pickleBytes('q\x06bh\x06bu.')]);
    expect(() => tensorsFromPickle(twice)).toThrow(/BUILD at offset \d+: numpy array: the state is set twice/);
    // the dtype's state BUILD is followed by its BINPUT 5: repeat the BUILD with the same state
    const dtypeState = one.indexOf(pickleBytes('K\x00tbq\x05'));
    const dtypeTwice = Buffer.concat([one.subarray(0, dtypeState + 'K\x00t'.length), pickleBytes('q\x07bh\x07b'), one.subarray(dtypeState + 'K\x00tb'.length)]);
    expect(() => tensorsFromPickle(dtypeTwice)).toThrow(/BUILD at offset \d+: numpy dtype: the state is set twice/);
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
    ['a non-string key', pickleBytes('\x80\x03}K\x01K\x02s.'), /the dict has a non-string key 1$/],
    ['a tuple as a key, named by its size', pickleBytes('\x80\x03}(NNNt\x85K\x02s.'), /the dict has a non-string key a tuple of 1 item$/],
    ['a shape with more than 8 dimensions', numpyDictPickle([['W1', Array<number>(9).fill(1), new Uint8Array(4)]]), /numpy array: 9 dimensions; a tensor may have at most 8/],
  ])('refuses %s', (_, bytes, message) => {
    expect(() => tensorsFromPickle(bytes)).toThrow(InvalidWeightsError);
    expect(() => tensorsFromPickle(bytes)).toThrow(message);
  });
});

describe('mlpFromPickle', () => {
  it("builds the book's 784-50-100-10 network from a protocol 2 pickle", () => {
    const { mlp, architecture } = mlpFromPickle(fixture('book-shapes-p2.pkl'));
    expect(describeArchitecture(architecture)).toBe('784-50-100-10 sigmoid/sigmoid/softmax');
    expect(mlp.layers[0]!.weights).toEqual(bookShapedTensors().get('W1')!.data);
  });

  it("builds the book's network: sizes from the shapes, sigmoid hidden layers, softmax output", () => {
    const { mlp, architecture } = mlpFromPickle(fixture('toy-p3-fortran-f4.pkl'));
    expect(describeArchitecture(architecture)).toBe('3-4-2 sigmoid/softmax');
    expect(mlp.layers.map((l) => l.activation)).toEqual(['sigmoid', 'softmax']);
    expect(mlp.layers[1]!.weights).toEqual(toyTensors().get('W2')!.data);
  });
});
