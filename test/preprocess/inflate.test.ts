/**
 * The inflate kernel (assembly/inflate.ts) against Node's zlib: every stream zlib writes, at
 * every level and strategy, inflates to the same bytes; and a damaged stream is either refused
 * or inflated exactly as zlib inflates it, never read more leniently.
 */
import { constants, deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputRefused, pixelKernels, place, scoped, u8 } from '../../src/kernels/pixels.js';

/** The kernel's output for `stream` with room for `cap` bytes, or 'refused'. */
function inflateKernel(stream: Uint8Array, cap: number): Buffer | 'refused' {
  try {
    return scoped(() => {
      const src = place(stream.length);
      const out = place(cap);
      u8(src, stream.length).set(stream);
      const n = pixelKernels().inflate(src, stream.length, out, cap);
      return Buffer.from(u8(out, n));
    });
  } catch (err) {
    if (err instanceof InputRefused) return 'refused';
    throw err;
  }
}

function zlibOrRefused(stream: Uint8Array): Buffer | 'refused' {
  try {
    return inflateSync(stream);
  } catch {
    return 'refused';
  }
}

/** A repeatable pseudo-random source. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** Data of some shapes a PNG's image data has: flat runs, repeated rows, noise, a mix. */
function samples(): Buffer[] {
  const rnd = random(7);
  const out: Buffer[] = [Buffer.alloc(0), Buffer.from([42])];
  for (const size of [5, 300, 2380, 20_000, 70_000]) {
    out.push(Buffer.alloc(size)); // one long run
    out.push(Buffer.from(Array.from({ length: size }, () => Math.floor(rnd() * 256)))); // noise: stored or near
    out.push(Buffer.from(Array.from({ length: size }, (_, i) => ((i % 85) * 3) & 255))); // repeated rows
    out.push(Buffer.from(Array.from({ length: size }, (_, i) => (rnd() < 0.9 ? i % 7 : Math.floor(rnd() * 256))))); // mostly short matches
  }
  return out;
}

const STRATEGIES = [constants.Z_DEFAULT_STRATEGY, constants.Z_FILTERED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE, constants.Z_FIXED];

describe('the inflate kernel', () => {
  it('inflates every stream zlib writes, at every level and strategy, to zlib’s bytes', () => {
    let streams = 0;
    for (const data of samples()) {
      for (let level = 0; level <= 9; level++) {
        for (const strategy of STRATEGIES) {
          const stream = deflateSync(data, { level, strategy });
          const got = inflateKernel(stream, data.length);
          expect(got === 'refused' ? got : got.equals(data), `${data.length} bytes, level ${level}, strategy ${strategy}`).toBe(true);
          streams++;
        }
      }
    }
    expect(streams).toBe(22 * 10 * 5);
  });

  it('refuses more output than the caller expects, bytes after the checksum, and a wrong checksum', () => {
    const data = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 251));
    const stream = deflateSync(data);
    expect(inflateKernel(stream, data.length)).not.toBe('refused');
    expect(inflateKernel(stream, data.length - 1)).toBe('refused');
    expect(inflateKernel(Buffer.concat([stream, Buffer.from([0])]), data.length)).toBe('refused');
    const badSum = Buffer.from(stream);
    badSum[badSum.length - 1]! ^= 1;
    expect(inflateKernel(badSum, data.length)).toBe('refused');
    expect(zlibOrRefused(badSum)).toBe('refused');
  });

  it('refuses a preset dictionary, another method and a bad header check, as zlib does', () => {
    const stream = deflateSync(Buffer.from('digits'));
    const withDictionary = deflateSync(Buffer.from('digits'), { dictionary: Buffer.from('dig') });
    const otherMethod = Buffer.from(stream);
    otherMethod[0] = (otherMethod[0]! & 0xf0) | 7;
    const badCheck = Buffer.from(stream);
    badCheck[1]! ^= 1;
    for (const bad of [withDictionary, otherMethod, badCheck]) {
      expect(zlibOrRefused(bad)).toBe('refused');
      expect(inflateKernel(bad, 100)).toBe('refused');
    }
  });

  it('never reads a damaged stream more leniently than zlib: flipped bits, cut ends', () => {
    const rnd = random(11);
    let damaged = 0;
    let readAlike = 0;
    for (const data of samples().filter((d) => d.length >= 300 && d.length <= 20_000)) {
      for (const strategy of STRATEGIES) {
        const stream = deflateSync(data, { strategy });
        for (let k = 0; k < 40; k++) {
          const bad = Buffer.from(stream);
          if (k % 4 === 3) {
            const cut = bad.subarray(0, Math.floor(rnd() * bad.length));
            const got = inflateKernel(cut, data.length);
            expect(got).toBe('refused');
            damaged++;
            continue;
          }
          const at = Math.floor(rnd() * bad.length);
          bad[at]! ^= 1 << Math.floor(rnd() * 8);
          const got = inflateKernel(bad, data.length);
          damaged++;
          if (got === 'refused') continue;
          // read by the kernel: zlib reads it too, to the same bytes
          const expected = zlibOrRefused(bad);
          expect(expected === 'refused' ? expected : expected.equals(got), `flip at ${at}`).toBe(true);
          readAlike++;
        }
      }
    }
    expect(damaged).toBe(12 * 5 * 40);
    // a flip in the checksum's Adler sum is always caught; some others (a literal's bits) still
    // make a stream both read, differently from the data, and refused for its checksum
    expect(readAlike).toBeLessThan(damaged);
  });
});
