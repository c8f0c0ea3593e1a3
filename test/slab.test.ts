import { describe, expect, it } from 'vitest';
import { scratchFrame, slabCopyF32, slabCopyU8, slabF32, slabF64, slabI32, slabU32, slabU8 } from '../src/slab.js';

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

  it('in a scratch frame, are zeroed though the next frame reuses their bytes, and never share a byte within one frame', () => {
    const make = [slabU8, slabU32, slabI32, slabF32, slabF64] as const;
    let reused = 0;
    const seen = new Set<number>();
    for (let round = 0; round < 3; round++) {
      scratchFrame(() => {
        const arrays: { data: Uint8Array; fill: number }[] = [];
        for (let i = 0; i < 300; i++) {
          const a = make[i % 5]!(1 + ((i * 53) % 900));
          const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
          expect(bytes.every((b) => b === 0)).toBe(true);
          if (round > 0 && seen.has(a.byteOffset)) reused++;
          if (round === 0) seen.add(a.byteOffset);
          bytes.fill(round + 1);
          arrays.push({ data: bytes, fill: round + 1 });
        }
        for (const { data, fill } of arrays) expect(data.every((b) => b === fill)).toBe(true);
        // a frame within a frame is part of it: its arrays are carved after the outer ones
        const inner = scratchFrame(() => slabU8(64));
        expect(inner.buffer).toBe(arrays[0]!.data.buffer);
        expect(inner.byteOffset).toBeGreaterThan(arrays.at(-1)!.data.byteOffset);
      });
    }
    // the frames did reuse the same bytes: the zeroing above was the frame's, not a new buffer's
    expect(reused).toBeGreaterThan(250);
  });

  it('outside a frame, after one, come from the slabs again', () => {
    const inFrame = scratchFrame(() => slabU8(16));
    const after = slabU8(16);
    expect(after.buffer).not.toBe(inFrame.buffer);
  });

  it("in a frame, spill to the slabs once the frame's buffer is full, and stay sound", () => {
    scratchFrame(() => {
      const big = slabU8(1024 * 1024 - 64);
      const spilled = slabU8(1024);
      expect(spilled.buffer).not.toBe(big.buffer);
      expect(spilled.every((b) => b === 0)).toBe(true);
    });
  });
});
