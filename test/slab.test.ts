import { describe, expect, it } from 'vitest';
import { slabCopyF32, slabCopyU8, slabF32, slabF64, slabI32, slabU32, slabU8 } from '../src/slab.js';

describe('slab arrays', () => {
  it('are zeroed and never share a byte, across many slabs', () => {
    const arrays: { data: Uint8Array; fill: number }[] = [];
    // over 4 MiB in all: the slabs roll over many times
    for (let i = 0; i < 2000; i++) {
      const kind = i % 5;
      const n = 1 + ((i * 37) % 700);
      const a = kind === 0 ? slabU8(n) : kind === 1 ? slabU32(n) : kind === 2 ? slabI32(n) : kind === 3 ? slabF32(n) : slabF64(n);
      expect(a.length).toBe(n);
      expect(a.byteOffset % a.BYTES_PER_ELEMENT).toBe(0);
      const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      expect(bytes.every((b) => b === 0)).toBe(true);
      bytes.fill((i % 250) + 1);
      arrays.push({ data: bytes, fill: (i % 250) + 1 });
    }
    for (const { data, fill } of arrays) expect(data.every((b) => b === fill)).toBe(true);
  });

  it('gives a large array a buffer of its own', () => {
    const big = slabF32(100_000);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(400_000);
  });

  it('copies', () => {
    const u8 = Uint8Array.from([1, 2, 3]);
    const copy = slabCopyU8(u8);
    u8[0] = 9;
    expect([...copy]).toEqual([1, 2, 3]);
    expect([...slabCopyF32(Float32Array.from([0.5, 2]))]).toEqual([0.5, 2]);
  });
});
