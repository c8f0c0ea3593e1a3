/**
 * Hostile weights files, each built here, go through loadWeights as start-up does: each must be
 * refused promptly with a short one-line message. The CPU time of the load call alone is
 * measured, once the file is written: unlike the time on the clock, it does not grow when a busy
 * machine runs other work, and it is the work that is bounded. The bound is generous; a
 * super-linear path (quadratic name checks, a transposition costing elements x dimensions, data
 * decoded once per memo reference) misses it by orders of magnitude.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadWeights } from '../../../src/model/weights/load.js';
import { WeightsError } from '../../../src/model/weights/types.js';
import { binunicode, numpyDictPickle, pickleBytes, rawSafetensors, shortBinunicode } from '../../fixtures/weights/toy.js';

const LOAD_CPU_MS = 1000;
/** the problem part of the message, after "cannot load weights from <file>: " */
const MAX_PROBLEM_CHARS = 300;
const MLP_METADATA = { format: 'digit-serve-mlp/1', architecture: '{"sizes":[1,1],"hidden":[],"output":"softmax"}' };

const tmp = mkdtempSync(join(tmpdir(), 'digit-serve-hostile-weights-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let fileCount = 0;

/** Write the file, then measure loadWeights alone; it must refuse the file with a WeightsError. */
async function refuse(bytes: Uint8Array, extension: '.pkl' | '.safetensors'): Promise<{ problem: string; cpuMs: number }> {
  const file = join(tmp, `case-${++fileCount}${extension}`);
  writeFileSync(file, bytes);
  const start = process.cpuUsage();
  const error = await loadWeights(file).then(
    () => undefined,
    (err: unknown) => err,
  );
  const { user, system } = process.cpuUsage(start);
  const cpuMs = (user + system) / 1000;
  expect(error).toBeInstanceOf(WeightsError);
  return { problem: (error as WeightsError).problem, cpuMs };
}

/** A safetensors header of `n` one-element tensors t0, t1, ..., with their data. */
function manyTensors(n: number): Buffer {
  const header: Record<string, unknown> = { __metadata__: MLP_METADATA };
  for (let i = 0; i < n; i++) header[`t${i}`] = { dtype: 'F32', shape: [1], data_offsets: [i * 4, i * 4 + 4] };
  return rawSafetensors(header, new Uint8Array(n * 4));
}

/** A dict pickle of `n` keys k0, k1, ..., all naming one numpy array through the memo. */
function keysSharingAnArray(n: number): Buffer {
  const one = numpyDictPickle([['k0', [1], new Uint8Array(4)]]);
  // its key and array without the MARK and SETITEMS, the array memoized in 6; then one SETITEM per key
  const parts = [pickleBytes('\x80\x03}'), one.subarray('\x80\x03}('.length, one.length - 'u.'.length), pickleBytes('q\x06s')];
  for (let i = 1; i < n; i++) parts.push(shortBinunicode(`k${i}`), pickleBytes('h\x06s'));
  return Buffer.concat([...parts, pickleBytes('.')]);
}

/** `n` dict entries k0, k1, ... holding one-element float32 arrays. */
function tinyArrays(n: number): [string, number[], Uint8Array][] {
  return Array.from({ length: n }, (_, i) => [`k${i}`, [1], new Uint8Array(4)]);
}

const MEBIBYTE = 1 << 20;

const cases: [name: string, build: () => Uint8Array, extension: '.pkl' | '.safetensors', problem: RegExp][] = [
  ['a safetensors file with 100,000 tensors', () => manyTensors(100_000), '.safetensors', /^header length [\d,]+ bytes exceeds the 1,048,576-byte limit/],
  [
    'a safetensors header within the size limit listing 10,000 tensors',
    () => manyTensors(10_000),
    '.safetensors',
    /^10,000 tensors \(t0, t1, t2, t3, \.\.\. \(9,996 more\)\); a model has at most 128, one W and one b per layer$/,
  ],
  [
    'a safetensors tensor with 20,000 dimensions',
    () =>
      rawSafetensors(
        {
          __metadata__: MLP_METADATA,
          W1: { dtype: 'F32', shape: Array<number>(20_000).fill(1), data_offsets: [0, 4] },
          b1: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
        },
        new Uint8Array(8),
      ),
    '.safetensors',
    /^tensor W1: invalid header entry \(shape: Too big: expected array to have <=8 items\)$/,
  ],
  [
    'a safetensors tensor name of 500,000 characters',
    () => rawSafetensors({ ['W'.repeat(500_000)]: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)),
    '.safetensors',
    /^tensor name W{40}\.\.\. \(500,000 chars\) is longer than 256 characters$/,
  ],
  [
    // the one-line message's newline regex backtracks over a run of spaces in what it is given
    'a safetensors tensor named with 100,000 spaces',
    () => rawSafetensors({ __metadata__: MLP_METADATA, [' '.repeat(100_000)]: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)),
    '.safetensors',
    /^tensor name {41}\.\.\. \(100,000 chars\) is longer than 256 characters$/,
  ],
  [
    'safetensors metadata with 50,000 values that are not strings',
    () => rawSafetensors({ __metadata__: Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`m${i}`, i])) }),
    '.safetensors',
    /^__metadata__ must map strings to strings \(m0 is not a string\)$/,
  ],
  [
    'a safetensors architecture of 150,000 hidden activations',
    () => rawSafetensors({ __metadata__: { ...MLP_METADATA, architecture: JSON.stringify({ sizes: [1, 1], hidden: Array<string>(150_000).fill('x'), output: 'softmax' }) } }),
    '.safetensors',
    /^__metadata__\.architecture holds 600,045 characters; the limit is 4,096$/,
  ],
  [
    'a safetensors header nested 100,000 levels deep',
    () => rawSafetensors(`{"W1":${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
    '.safetensors',
    /^tensor W1: invalid header entry \(value: Invalid input: expected object, received array\)$/,
  ],
  ['a pickle dict of 200,000 numpy arrays', () => numpyDictPickle(tinyArrays(200_000)), '.pkl', /^pickle: REDUCE at offset \d+: more than 128 numpy arrays; a model has at most 128 tensors$/],
  [
    'a pickle dict of 50,000 keys naming one array',
    () => keysSharingAnArray(50_000),
    '.pkl',
    /^pickle: SHORT_BINUNICODE at offset \d+: more than 20,000 values; a weights pickle holds far fewer$/,
  ],
  [
    'a pickle dict of 9,000 keys naming one array',
    () => keysSharingAnArray(9000),
    '.pkl',
    /^9,000 tensors \(k0, k1, k2, k3, \.\.\. \(8,996 more\)\); a model has at most 128, one W and one b per layer$/,
  ],
  [
    'a numpy array declaring 20,000 dimensions (Fortran order, a million elements)',
    () => numpyDictPickle([['W1', [...Array<number>(19_999).fill(1), 1_000_000], new Uint8Array(4_000_000)]], true),
    '.pkl',
    /^pickle: BININT at offset \d+: more than 20,000 values; a weights pickle holds far fewer$/,
  ],
  [
    'a numpy array declaring 19,000 dimensions (Fortran order, a million elements)',
    () => numpyDictPickle([['W1', [...Array<number>(18_999).fill(1), 1_000_000], new Uint8Array(4_000_000)]], true),
    '.pkl',
    /^pickle: BUILD at offset \d+: numpy array: 19,000 dimensions; a tensor may have at most 8$/,
  ],
  [
    'a pickle key nested a million tuples deep',
    () => pickleBytes('\x80\x03}N', '\x85'.repeat(1_000_000), 'Ns.'),
    '.pkl',
    /^pickle: TUPLE1 at offset 20002: more than 20,000 values; a weights pickle holds far fewer$/,
  ],
  ['a pickle key nested 19,000 tuples deep', () => pickleBytes('\x80\x03}N', '\x85'.repeat(19_000), 'Ns.'), '.pkl', /^the dict has a non-string key a tuple of 1 item$/],
  ['a pickle nesting a million MARKs', () => pickleBytes('\x80\x03}', '('.repeat(1_000_000), 't'.repeat(1_000_000), 'Ns.'), '.pkl', /^pickle: MARK at offset 19: MARKs nest more than 16 deep$/],
  ['a pickle key of 500,000 characters', () => pickleBytes('\x80\x03}', binunicode('k'.repeat(500_000)), 'Ns.'), '.pkl', /^tensor name k{40}\.\.\. \(500,000 chars\) is longer than 256 characters$/],
  [
    'a pickle naming a global of a million characters',
    () => pickleBytes('\x80\x03c', 'o'.repeat(1_000_000), '\nsystem\n.'),
    '.pkl',
    /^pickle: GLOBAL at offset 2: refused global o{40}\.\.\. \(1,000,007 chars\): only numpy\.core\.multiarray\._reconstruct, .* may appear/,
  ],
  [
    'a pickle pushing a million values',
    () => pickleBytes('\x80\x03(', 'N'.repeat(1_000_000), 't.'),
    '.pkl',
    /^pickle: NONE at offset 20003: more than 20,000 values; a weights pickle holds far fewer$/,
  ],
  ['a pickle memoizing a million times', () => pickleBytes('\x80\x04N', '\x94'.repeat(1_000_000), '.'), '.pkl', /^pickle: MEMOIZE at offset 8195: more than 8,192 memo entries$/],
  [
    '100 arrays sharing one 4 MiB data bytes through the memo',
    () => {
      const first = numpyDictPickle([['k0', [MEBIBYTE], new Uint8Array(4 * MEBIBYTE)]]);
      // the first array up to its data bytes, memoized in 6; the others fetch them back
      const head = first.subarray(0, first.length - 'tbu.'.length);
      const again = (i: number) => pickleBytes(shortBinunicode(`k${i}`), 'h\x01h\x02h\x03h\x04\x87R(K\x01J\x00\x00\x10\x00\x85h\x05\x89h\x06tb');
      return Buffer.concat([head, pickleBytes('q\x06tb'), ...Array.from({ length: 99 }, (_, i) => again(i + 1)), pickleBytes('u.')]);
    },
    '.pkl',
    /^pickle: BUILD at offset \d+: the pickle reuses its values through the memo far more than a weights pickle does$/,
  ],
  [
    'a protocol 2 pickle encoding one 4 MiB string 1,000 times through the memo',
    () =>
      pickleBytes(
        '\x80\x02(c_codecs\nencode\nq\x00',
        binunicode('x'.repeat(4 * MEBIBYTE)),
        'q\x01',
        binunicode('latin1'),
        'q\x02\x86R',
        'h\x00h\x01h\x02\x86R'.repeat(999),
        't.',
      ),
    '.pkl',
    /^pickle: REDUCE at offset \d+: the pickle reuses its values through the memo far more than a weights pickle does$/,
  ],
];

describe('loadWeights on hostile files', () => {
  it.each(cases)('refuses %s promptly, in a short line', async (_, build, extension, expected) => {
    const { problem, cpuMs } = await refuse(build(), extension);
    expect(problem).toMatch(expected);
    expect(problem.length).toBeLessThan(MAX_PROBLEM_CHARS);
    expect(problem).not.toContain('\n');
    expect(cpuMs).toBeLessThan(LOAD_CPU_MS);
  });
});
