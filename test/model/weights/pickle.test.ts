import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidWeightsError } from '../../../src/model/weights/errors.js';
import { NUMPY_GLOBALS } from '../../../src/model/weights/numpy-pickle.js';
import { unpickle, type PickleGlobal } from '../../../src/model/weights/pickle.js';
import { binunicode, maliciousPickles, pickleBytes, TOY_DIR } from '../../fixtures/weights/toy.js';

const tmp = mkdtempSync(join(tmpdir(), 'digit-serve-pickle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectInvalid(bytes: Uint8Array, message: RegExp, globals: readonly PickleGlobal[] = NUMPY_GLOBALS): void {
  expect(() => unpickle(bytes, globals)).toThrow(InvalidWeightsError);
  expect(() => unpickle(bytes, globals)).toThrow(message);
}

describe('unpickle refuses every global but the allowed ones', () => {
  const marker = join(tmp, 'pwned');

  it.each(maliciousPickles(marker))('refuses %s by name and runs nothing', (global, bytes) => {
    const escaped = global.replace(/\./g, '\\.');
    expectInvalid(bytes, new RegExp(`refused global ${escaped}: only numpy\\.core\\.multiarray\\._reconstruct, .* may appear`));
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses the global before doing anything with it: REDUCE is never reached', () => {
    const calls: unknown[] = [];
    const spy: PickleGlobal = { name: 'test.spy', reduce: (args) => calls.push(args) };
    // spy(os.system): the foreign global comes first, as an argument
    const bytes = pickleBytes('\x80\x03ctest\nspy\ncos\nsystem\n\x85R.');
    expectInvalid(bytes, /GLOBAL at offset 12: refused global os\.system/, [spy]);
    expect(calls).toEqual([]);
  });

  it('lets an allowed global reduce its arguments', () => {
    const join: PickleGlobal = { name: 'test.join', reduce: (args) => args.join('+') };
    expect(unpickle(pickleBytes('\x80\x03ctest\njoin\n', binunicode('a'), binunicode('b'), '\x86R.'), [join])).toBe('a+b');
  });
});

describe('unpickle on malformed input', () => {
  const toy = readFileSync(join(TOY_DIR, 'toy-p3-fortran-f4.pkl'));

  it('reads the whole toy pickle', () => {
    expect(unpickle(toy, NUMPY_GLOBALS)).toBeInstanceOf(Map);
  });

  it('reports a pickle cut at any point as truncated', () => {
    for (let cut = 0; cut < toy.length; cut++) {
      expect(() => unpickle(toy.subarray(0, cut), NUMPY_GLOBALS), `cut at ${cut}`).toThrow(/truncated/);
    }
  });

  it('names an unknown opcode, its byte and its offset', () => {
    expectInvalid(pickleBytes('\x80\x03Q.'), /pickle: opcode 0x51 \('Q'\) at offset 2: unknown or unsupported opcode/);
    expectInvalid(pickleBytes('\x80\x03\xff.'), /pickle: opcode 0xff at offset 2/);
  });

  it('refuses protocol 5', () => {
    expectInvalid(pickleBytes('\x80\x05N.'), /PROTO at offset 0: protocol 5 is not supported/);
  });

  it('refuses bytes after STOP', () => {
    expectInvalid(pickleBytes('\x80\x03N.junk'), /STOP at offset 3: 4 unexpected bytes after STOP/);
  });

  it.each([
    ['STOP on an empty stack', '\x80\x03.', /STOP at offset 2: expected one value on the stack, found 0/],
    ['a memo entry never stored', '\x80\x03h\x07.', /BINGET at offset 2: memo entry 7 was never stored/],
    ['TUPLE without MARK', '\x80\x03Nt.', /TUPLE at offset 3: no MARK to pop to/],
    ['SETITEMS on a non-dict', '\x80\x03N(NNu.', /SETITEMS at offset 6: the target is not a dict/],
    ['REDUCE on a non-global', '\x80\x03N)R.', /REDUCE at offset 4: the callable is not an allowed global/],
    ['BUILD on a dict', '\x80\x03}}b.', /BUILD at offset 4: the target does not accept a state/],
    ['a frame longer than the data', '\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00N.', /FRAME at offset 2: truncated: needs 16 more bytes, 2 left/],
  ])('refuses %s', (_, text, message) => {
    expectInvalid(pickleBytes(text), message);
  });
});
