import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidWeightsError } from '../../../src/model/weights/errors.js';
import { numpyGlobals } from '../../../src/model/weights/numpy-pickle.js';
import { describeValue, unpickle, type PickleGlobal } from '../../../src/model/weights/pickle.js';
import { binunicode, maliciousPickles, pickleBytes, TOY_DIR } from '../../fixtures/weights/toy.js';

const tmp = mkdtempSync(join(tmpdir(), 'digit-serve-pickle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectInvalid(bytes: Uint8Array, message: RegExp, globals: readonly PickleGlobal[] = numpyGlobals()): void {
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
    expect(unpickle(toy, numpyGlobals())).toBeInstanceOf(Map);
  });

  it('reports a pickle cut at any point as truncated', () => {
    for (let cut = 0; cut < toy.length; cut++) {
      expect(() => unpickle(toy.subarray(0, cut), numpyGlobals()), `cut at ${cut}`).toThrow(/truncated/);
    }
  });

  it('names an unknown opcode, its byte and its offset', () => {
    expectInvalid(pickleBytes('\x80\x03Q.'), /pickle: opcode 0x51 \('Q'\) at offset 2: unknown or unsupported opcode/);
    expectInvalid(pickleBytes('\x80\x03\xff.'), /pickle: opcode 0xff at offset 2/);
  });

  it('refuses protocol 5', () => {
    expectInvalid(pickleBytes('\x80\x05N.'), /PROTO at offset 0: protocol 5 is not supported/);
  });

  it('refuses protocols 0 and 1, which start without PROTO, before reading any global', () => {
    const calls: unknown[] = [];
    const spy: PickleGlobal = { name: 'test.spy', reduce: (args) => calls.push(args) };
    expectInvalid(pickleBytes('ctest\nspy\n)R.'), /^pickle: GLOBAL at offset 0: no PROTO opcode first: a protocol 0 or 1 pickle/, [spy]);
    expectInvalid(pickleBytes('\x80\x01N.'), /PROTO at offset 0: protocol 1 is not supported \(2 to 4 are\)/);
    expect(calls).toEqual([]);
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
    ['MARKs nested 17 deep', `\x80\x03${'('.repeat(17)}`, /MARK at offset 18: MARKs nest more than 16 deep/],
    // values fetched from the memo count too
    ['a 20,001st value', `\x80\x03Nq\x00${'h\x00'.repeat(20_000)}`, /BINGET at offset 40003: more than 20,000 values; a weights pickle holds far fewer/],
    // storing index 0 again takes no new entry
    ['an 8,193rd memo entry', `\x80\x04N${'q\x00'.repeat(2)}${'\x94'.repeat(8192)}`, /MEMOIZE at offset 8198: more than 8,192 memo entries/],
  ])('refuses %s', (_, text, message) => {
    expectInvalid(pickleBytes(text), message);
  });

  it('lets MARKs nest 16 deep, 20,000 values be pushed and 8,192 memo entries be stored', () => {
    const tuples = unpickle(pickleBytes('\x80\x03', '('.repeat(16), 't'.repeat(16), '.'), []);
    expect(tuples).toHaveLength(1);
    expect(unpickle(pickleBytes('\x80\x03(', 'N'.repeat(19_999), 't.'), [])).toHaveLength(19_999);
    expect(unpickle(pickleBytes('\x80\x04N', '\x94'.repeat(8192), '.'), [])).toBe(null);
  });
});

describe('unpickle and protocol 2 bytes', () => {
  const encode = (...args: Buffer[]) => pickleBytes('\x80\x02c_codecs\nencode\n(', ...args, 'tR.');

  it("accepts _codecs.encode(str, 'latin1'), each code point becoming its byte", () => {
    const text = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
    expect(unpickle(encode(binunicode(text), binunicode('latin1')), [])).toEqual(Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
  });

  it.each([
    ['another encoding', [binunicode('abc'), binunicode('zlib_codec')]],
    ['latin1 spelled otherwise', [binunicode('abc'), binunicode('latin-1')]],
    ['no encoding', [binunicode('abc')]],
    ['a third argument', [binunicode('abc'), binunicode('latin1'), binunicode('strict')]],
    ['bytes to encode', [pickleBytes('C\x03abc'), binunicode('latin1')]],
  ])("refuses %s: only encode(str, 'latin1') is how protocol 2 stores bytes", (_, args) => {
    expectInvalid(encode(...args), /REDUCE at offset \d+: _codecs\.encode may only be called as encode\(str, 'latin1'\)/);
  });

  it('refuses a character beyond latin1', () => {
    expectInvalid(encode(binunicode('ab\u0100'), binunicode('latin1')), /REDUCE at offset \d+: _codecs\.encode: character 2 is above U\+00FF/);
  });
});

describe('unpickle work budget', () => {
  /** a global whose REDUCE charges the length of its string argument, as decoding it would */
  const measure: PickleGlobal = { name: 'test.measure', reduce: ([text], work) => work.charge((text as string).length) };
  const calls = (n: number) => pickleBytes('\x80\x03(ctest\nmeasure\nq\x00', binunicode('x'.repeat(1000)), '\x85q\x01', 'h\x00h\x01R'.repeat(n), 't.');

  it('allows each value to be processed twice over', () => {
    // the global and its argument tuple, then the two results
    expect(unpickle(calls(2), [measure])).toHaveLength(4);
  });

  it('refuses work that only reuse through the memo can make', () => {
    expectInvalid(calls(3), /REDUCE at offset \d+: the pickle reuses its values through the memo far more than a weights pickle does/, [measure]);
  });
});

describe('describeValue', () => {
  it.each([
    ['x'.repeat(100), `"${'x'.repeat(40)}... (100 chars)"`],
    [7, '7'],
    [false, 'false'],
    [null, 'None'],
    [new Uint8Array(3), 'bytes of length 3'],
    [Object.freeze([1, 2]), 'a tuple of 2 items'],
    [new Map([[1, 2]]), 'a dict of 1 entry'],
    [{}, 'an object'],
  ])('describes %s briefly', (value, description) => {
    expect(describeValue(value)).toBe(description);
  });
});
